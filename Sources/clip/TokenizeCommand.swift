import ArgumentParser
import CLIP
import Foundation

/// `clip tokenize`: one JSON array of ids per stdin line — CLIP's context-length ids as open_clip's
/// `tokenizer([line])[0]`, or for a SigLIP folder its fixed-length SentencePiece ids (or, with `--raw`, the
/// pieces alone, as `sentencepiece` and `tokenizers` encode: what tools/check_full_vocabulary.py compares).
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract:
            """
            Print the token ids of each line of standard input as a JSON array (CLIP's BPE, or a SigLIP folder's \
            SentencePiece).
            """
    )

    @Option(
        name: .long,
        help:
            """
            A model folder: its vocab.json + merges.txt (CLIP), or its tokenizer.json / spiece.model / \
            tokenizer.model (SigLIP). Default: the bundled CLIP vocabulary.
            """
    )
    var model: String?
    @Flag(name: .long, help: "SentencePiece: the pieces' ids alone (no clean-up, end token or padding).")
    var raw = false
    @Option(name: .long, help: "SentencePiece: the padded length (default: the folder's config says, else 64).")
    var length: Int?

    func run() throws {
        var out = FileHandle.standardOutput
        func emit(_ ids: [Int]) { print("[" + ids.map(String.init).joined(separator: ", ") + "]", to: &out) }
        let folder = model.map { URL(fileURLWithPath: $0) }
        let fm = FileManager.default
        if let folder, !fm.fileExists(atPath: folder.appendingPathComponent("vocab.json").path),
            SiglipTokenizer.fileNames.contains(where: { fm.fileExists(atPath: folder.appendingPathComponent($0).path) })
        {
            let length = try self.length ?? Self.contextLength(of: folder) ?? 64
            guard length >= 2 else { throw ValidationError("--length must be at least 2") }
            let tokenizer = try SiglipTokenizer.forFolder(folder, length: length)
            while let line = readLine(strippingNewline: true) {
                emit(raw ? tokenizer.pieces.encode(line) : tokenizer.encode(line).map(Int.init))
            }
            return
        }
        if raw {
            throw ValidationError(
                "--raw is for SentencePiece tokenizers; \(model ?? "the bundled vocabulary") is CLIP's BPE")
        }
        let tokenizer = try Tokenizer.forModel(at: folder)
        while let line = readLine(strippingNewline: true) { emit(tokenizer.encode(line).ids.map(Int.init)) }
    }
}

extension TokenizeCommand {
    /// The text length a model folder's config gives (SO400M/14: 16), if it has one.
    static func contextLength(of folder: URL) throws -> Int? {
        let hf = folder.appendingPathComponent("config.json"),
            oc = folder.appendingPathComponent("open_clip_config.json")
        if FileManager.default.fileExists(atPath: hf.path) {
            return try CLIPConfig(huggingFaceConfigFile: hf).text.contextLength
        }
        guard let data = FileManager.default.contents(atPath: oc.path) else { return nil }
        return try CLIPConfig(openCLIPHubConfig: data, source: oc.path).text.contextLength
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}
