import ArgumentParser
import CLIP
import Foundation

/// `clip tokenize`: one JSON array of context-length ids per stdin line, as open_clip's `tokenizer([line])[0]`.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the CLIP token ids of each line of standard input as a JSON array.")

    @Option(name: .long, help: "A model folder whose vocab.json + merges.txt to use (default: the bundled CLIP vocabulary).")
    var model: String?

    func run() throws {
        let tokenizer = try Tokenizer.forModel(at: model.map { URL(fileURLWithPath: $0) })
        var out = FileHandle.standardOutput
        while let line = readLine(strippingNewline: true) {
            let ids = tokenizer.encode(line).ids
            print("[" + ids.map(String.init).joined(separator: ", ") + "]", to: &out)
        }
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}
