# Sourced by the build and test scripts: the one place the compiler flags live.
# haswell = AVX2 + FMA, so SIMD8<Float> arithmetic compiles to vfmadd instructions instead of libm calls.
SWIFT_FLAGS=(-c release -Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DCLIP_TARGET_HASWELL)
