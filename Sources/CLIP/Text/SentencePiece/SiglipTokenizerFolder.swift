import Foundation

extension SiglipTokenizer {
    /// The tokenizer files a SigLIP checkpoint folder may hold, most exact first: `tokenizer.json` (what
    /// transformers' fast tokenizers and open_clip's `HFTokenizer` run), then the SentencePiece model
    /// (`spiece.model` for T5's vocabulary, `tokenizer.model` for Gemma's).
    public static let fileNames = ["tokenizer.json", "spiece.model", "tokenizer.model"]

    /// The tokenizer beside a SigLIP checkpoint, cleaning and padding as the checkpoint's reference does:
    /// - open_clip folders (`open_clip_config.json`) clean as open_clip's `clean="canonicalize"`;
    ///   transformers' `SiglipTokenizer` folders as its `canonicalize_text`; Gemma vocabularies (SigLIP 2)
    ///   as open_clip too, since the models were trained on lowercased, canonical text (transformers'
    ///   GemmaTokenizerFast itself leaves text as it is; `Cleanup.none` gives that).
    /// - The pad id is `tokenizer_config.json`'s `pad_token` when it names one, else `</s>` for T5's Unigram
    ///   vocabulary and `<pad>` for Gemma's BPE one, as open_clip sets them.
    public static func forFolder(_ folder: URL, length: Int) throws -> SiglipTokenizer {
        let fm = FileManager.default
        guard
            let file = fileNames.map({ folder.appendingPathComponent($0) }).first(where: {
                fm.fileExists(atPath: $0.path)
            })
        else {
            throw CLIPError.io(
                file: folder.path,
                reason:
                    """
                    a SigLIP model needs its SentencePiece tokenizer: none of \
                    \(fileNames.joined(separator: ", ")) beside the weights
                    """
            )
        }
        let config = try TokenizerConfigFile(folder.appendingPathComponent("tokenizer_config.json"))
        let pieces: Pieces, isBPE: Bool, defaultPad: Int, padID: Int?
        if file.lastPathComponent == "tokenizer.json" {
            let hf = try HuggingFaceTokenizer(contentsOf: file)
            isBPE = hf.model.isBPE
            pieces = .huggingFace(hf)
            defaultPad = isBPE ? (hf.id(of: "<pad>") ?? 0) : (hf.suffixIDs.last ?? hf.id(of: "</s>") ?? 1)
            padID = config.padToken.flatMap { hf.id(of: $0) }
        } else {
            let sp = try SentencePieceTokenizer(contentsOf: file)
            isBPE = sp.model.algorithm == .bpe
            pieces = .sentencePiece(sp)
            defaultPad = SiglipTokenizer.defaultPad(sp.model)
            padID = config.padToken.flatMap { name in sp.model.pieces.firstIndex { $0.text == name } }
        }
        if let name = config.padToken, padID == nil {
            throw CLIPError.config(
                source: config.path, field: "pad_token", reason: "'\(name)' is not a piece of \(file.path)")
        }
        return SiglipTokenizer(
            pieces: pieces, length: length, padID: padID ?? defaultPad,
            cleanup: cleanup(folder: folder, config: config, isBPE: isBPE))
    }

    private static func cleanup(folder: URL, config: TokenizerConfigFile, isBPE: Bool) -> Cleanup {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("open_clip_config.json").path) {
            return .openCLIP
        }
        if config.tokenizerClass?.hasPrefix("Siglip") == true { return .transformers }
        return isBPE ? .openCLIP : .transformers
    }
}

/// The fields of a `tokenizer_config.json` SigLIP's tokenizers need (the file is optional).
struct TokenizerConfigFile {
    let path: String
    var tokenizerClass: String?
    var padToken: String?

    init(_ url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        guard let data = try? Data(contentsOf: url),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw CLIPError.config(source: url.path, field: nil, reason: "not a JSON object")
        }
        tokenizerClass = object["tokenizer_class"] as? String
        // A token is a string, or an AddedToken object with its `content`.
        switch object["pad_token"] {
        case let s as String: padToken = s
        case let o as [String: Any]: padToken = o["content"] as? String
        default: padToken = nil
        }
    }
}
