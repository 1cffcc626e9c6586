import ArgumentParser
import CLIP
import Foundation

/// `clip bench decode FOLDER`: what a photo costs before the model sees it (read, decode, resize, crop,
/// normalise), in CPU time per file on one thread, for exact and DCT-scaled (`--jpeg fast`) decoding, by
/// size class. With `--model-rate` it also prints the ceiling that decoding puts on `clip embed` and
/// `clip index`: with decoding overlapped with the model on every core, end-to-end speed is at most
/// model / (model + decode) of model-only speed, all in CPU seconds per image.
struct DecodeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Measure decode + preprocessing CPU time per image (exact and fast JPEG), by size class.")

    @Argument(help: "Image files or folders (searched recursively).")
    var images: [String]
    @Option(name: .long, help: "Model input size (the fast path decodes JPEGs to at least twice this).")
    var size = 224
    @Option(name: .long, help: "Times each file is decoded; the fastest counts.")
    var rounds = 2
    @Option(name: .long, help: "Model-only images/s from `clip bench` on --threads threads, for the ceiling.")
    var modelRate: Double?
    @Option(name: .long, help: "Threads that --model-rate was measured on.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (32...4096).contains(size) else { throw ValidationError("--size must be within 32…4096") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        if let modelRate, !(modelRate > 0) { throw ValidationError("--model-rate must be positive") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// One file's cost: its megapixels and the CPU seconds of each decoding.
    struct Cost {
        let megapixels: Double
        let exact: Double
        let fast: Double
    }

    func run() throws {
        Parallelism.threads = 1
        let files = try ImageFiles.collect(images)
        let preprocessor = ImagePreprocessor(config: PreprocessConfig(size: size))
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 3 * size * size)
        defer { input.deallocate() }
        var costs: [Cost] = [], failed: [String] = []
        for file in files {
            do {
                // The fastest of `rounds`, and the decoded size (the file's own size when decoding exactly).
                func decode(_ options: DecodeOptions) throws -> (seconds: Double, pixels: Int) {
                    var best = Double.infinity, pixels = 0
                    for _ in 0..<rounds {
                        let start = Self.threadCPUSeconds()
                        let image = try ImageDecoder.decode(file: file, options: options)
                        preprocessor.write(image, into: input)
                        best = min(best, Self.threadCPUSeconds() - start)
                        pixels = image.width * image.height
                    }
                    return (best, pixels)
                }
                let exact = try decode(DecodeOptions())
                let fast = try decode(DecodeOptions(jpegScaledShortSide: 2 * size))
                costs.append(Cost(megapixels: Double(exact.pixels) / 1e6, exact: exact.seconds, fast: fast.seconds))
            } catch {
                failed.append("\(error)")
            }
        }
        for failure in failed { FileHandle.standardError.write(Data("skipped \(failure)\n".utf8)) }
        guard !costs.isEmpty else {
            throw CLIPError.invalidArgument("none of the \(files.count) images could be decoded")
        }
        print(
            "decode + preprocess to \(size)×\(size), CPU ms per image on 1 thread (best of \(rounds)); "
                + "\(BuildInfo.cpuModel); \(BuildInfo.summary)")
        let rows = Self.classes(costs).map { name, group in
            [
                name, "\(group.count)", String(format: "%.2f", Self.mean(group.map(\.megapixels))),
                String(format: "%.1f", 1000 * Self.mean(group.map(\.exact))),
                String(format: "%.1f", 1000 * Self.mean(group.map(\.fast)))
            ]
        }
        for line in TextTable.fit([["size", "files", "mean MP", "exact", "fast"]] + rows, width: nil, optional: []) {
            print("  " + line)
        }
        guard let modelRate else { return }
        // CPU seconds the model spends per image: `threads` cores for 1/rate seconds.
        let model = Double(threads) / modelRate
        for (name, decode) in [("exact", Self.mean(costs.map(\.exact))), ("fast", Self.mean(costs.map(\.fast)))] {
            print(
                String(
                    format:
                        "ceiling with %@ decoding: model %.1f ms / (model %.1f + decode %.1f) ms = %.2f× model-only "
                        + "(%.1f images/s on %d threads)",
                    name, 1000 * model, 1000 * model, 1000 * decode, model / (model + decode),
                    Double(threads) / (model + decode), threads))
        }
    }

    /// Size classes around the usual sources: thumbnails and web images, phone and camera photos.
    static func classes(_ costs: [Cost]) -> [(String, [Cost])] {
        let bounds: [(String, ClosedRange<Double>)] = [
            ("< 1 MP", 0...0.999_999), ("1–4 MP", 1...3.999_999), ("4–16 MP", 4...15.999_999),
            ("≥ 16 MP", 16...Double.greatestFiniteMagnitude)
        ]
        let grouped = bounds.map { name, range in (name, costs.filter { range.contains($0.megapixels) }) }
        return grouped.filter { !$0.1.isEmpty } + [("all", costs)]
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
