import ArgumentParser
import CLIP

/// Flags every compute command shares.
struct RuntimeOptions: ParsableArguments {
    @Option(name: .long, help: "Worker threads (default: all cores, or $CLIP_NUM_THREADS).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func apply() {
        if let threads { Parallelism.threads = threads }
    }
}
