#!/bin/bash
# Proves a refactor left the numbers alone: `clip embed` of two builds, byte for byte, for the engine fixtures and
# for any extra model folders given, at fp32, bf16 and int8, images (decoded files and raw pixels where a
# pixels.npy sits in the folder) and texts. Prints one line per comparison and exits 1 on any difference.
#
# Usage: tools/compare_builds.sh OLD_CLIP NEW_CLIP [MODEL_FOLDER...]
set -u
old=$1 new=$2
shift 2
fixtures=Tests/CLIPTestSupport/Fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
images=("$fixtures/images/rgb_224.jpg" "$fixtures/images/rgb.png" "$fixtures/images/cmyk.jpg"
        "$fixtures/images/gray.gif" "$fixtures/images/alpha.webp" "$fixtures/images/exif_rot6.jpg")
printf '%s\n' "a photo of a dog" "a diagram of a neural network" "café crème brûlée 🍮" \
    "two cats sleeping on a red sofa in the afternoon sun" "A VERY LONG caption, repeated until it is cut off at the context length. A VERY LONG caption, repeated until it is cut off at the context length." \
    > "$work/texts.txt"
models=("$fixtures"/engine/*/ "$@")
same=0 differ=0 failed=0
for model in "${models[@]}"; do
    model=${model%/}
    for precision in fp32 bf16 int8; do
        inputs=(images texts)
        [ -f "$model/pixels.npy" ] && inputs+=(pixels)
        for input in "${inputs[@]}"; do
            case $input in
                images) args=(--images "${images[@]}") ;;
                texts) args=(--texts "$model/texts.txt") ; [ -f "$model/texts.txt" ] || args=(--texts "$work/texts.txt") ;;
                pixels) args=(--pixels "$model/pixels.npy") ;;
            esac
            for build in old new; do
                binary=$old
                [ $build = new ] && binary=$new
                "$binary" embed --model "$model" --precision $precision "${args[@]}" -o "$work/$build.npy" \
                    > /dev/null 2> "$work/$build.err"
                echo $? > "$work/$build.rc"
            done
            label="$(basename "$model") $precision $input"
            if ! cmp -s "$work/old.rc" "$work/new.rc"; then
                echo "DIFFERENT exit status: $label"; differ=$((differ + 1))
            elif [ "$(cat "$work/old.rc")" != 0 ]; then
                # A model that cannot take this input (a fixture without a text tower) must fail the same way.
                if diff -q "$work/old.err" "$work/new.err" > /dev/null; then
                    echo "same error:  $label: $(tail -1 "$work/new.err" | cut -c1-90)"; failed=$((failed + 1))
                else
                    echo "DIFFERENT error: $label"; diff "$work/old.err" "$work/new.err" | head -4; differ=$((differ + 1))
                fi
            elif cmp -s "$work/old.npy" "$work/new.npy" && cmp -s "$work/old.npy.jsonl" "$work/new.npy.jsonl" 2>/dev/null \
                || { cmp -s "$work/old.npy" "$work/new.npy" && cmp -s "$work/old.jsonl" "$work/new.jsonl"; }; then
                echo "identical:   $label ($(stat -c %s "$work/new.npy") bytes)"; same=$((same + 1))
            else
                echo "DIFFERENT:   $label"; differ=$((differ + 1))
            fi
        done
    done
done
echo "compare_builds: $same identical, $failed failing identically, $differ different"
[ $differ = 0 ]
