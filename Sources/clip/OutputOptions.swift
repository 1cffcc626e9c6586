import ArgumentParser

/// `--json`, one flag with one meaning for every command that prints results: the same results as one JSON
/// value (an object, or an array of objects) on stdout, for scripts; progress and notices stay on stderr.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the results as JSON instead of text.")
    var json = false
}
