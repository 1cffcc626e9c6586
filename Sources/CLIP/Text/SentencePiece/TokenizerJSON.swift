import Foundation

/// Reads the sections of a `tokenizer.json` that `HuggingFaceTokenizer` runs; every refusal names the file
/// and the field path (`normalizer.normalizers[1].type`, `model.merges[17]`, …).
struct TokenizerJSON {
    let source: String

    func fail(_ field: String, _ reason: String) -> CLIPError {
        CLIPError.config(source: source, field: field, reason: reason)
    }

    private func type(_ object: [String: Any], _ field: String) throws -> String {
        guard let type = object["type"] as? String else { throw fail(field + ".type", "required string is missing") }
        return type
    }

    private func pattern(_ value: Any?, _ field: String) throws -> TextPattern {
        if let p = value as? [String: Any] {
            if let s = p["String"] as? String { return .literal(s) }
            if let r = p["Regex"] as? String {
                guard TextPattern.regex(r).compiled() != nil else {
                    throw fail(field + ".Regex", "'\(r)' is not a regular expression this reader understands")
                }
                return .regex(r)
            }
        }
        throw fail(field, "expected {\"String\": …} or {\"Regex\": …}")
    }

    // MARK: normalizers

    func normalizers(_ value: Any?, field: String) throws -> [TextNormalizer] {
        guard let value, !(value is NSNull) else { return [] }
        guard let object = value as? [String: Any] else { throw fail(field, "expected an object or null") }
        switch try type(object, field) {
        case "Sequence":
            guard let list = object["normalizers"] as? [Any] else {
                throw fail(field + ".normalizers", "required list is missing")
            }
            return try list.enumerated().flatMap { try normalizers($1, field: "\(field).normalizers[\($0)]") }
        case "Precompiled":
            guard let base64 = object["precompiled_charsmap"] as? String, let blob = Data(base64Encoded: base64) else {
                if object["precompiled_charsmap"] is NSNull { return [] }
                throw fail(field + ".precompiled_charsmap", "expected the charsmap as base64")
            }
            return [
                .precompiled(
                    try PrecompiledCharsmap([UInt8](blob), source: source, field: field + ".precompiled_charsmap"))
            ]
        case "Replace":
            guard let content = object["content"] as? String else {
                throw fail(field + ".content", "required string is missing")
            }
            return [.replace(try pattern(object["pattern"], field + ".pattern"), content)]
        case "Prepend":
            guard let prefix = object["prepend"] as? String else {
                throw fail(field + ".prepend", "required string is missing")
            }
            return [.prepend(prefix)]
        case "Lowercase":
            return [.lowercase]
        case "Strip":
            return [.strip(left: object["strip_left"] as? Bool ?? true, right: object["strip_right"] as? Bool ?? true)]
        case let other:
            throw fail(
                field + ".type",
                """
                unsupported normalizer '\(other)' (supported: Sequence, Precompiled, Replace, Prepend, Lowercase, \
                Strip)
                """
            )
        }
    }

    // MARK: pre-tokenizers

    func preTokenizers(_ value: Any?, field: String) throws -> [WordSplitter] {
        guard let value, !(value is NSNull) else { return [] }
        guard let object = value as? [String: Any] else { throw fail(field, "expected an object or null") }
        switch try type(object, field) {
        case "Sequence":
            guard let list = object["pretokenizers"] as? [Any] else {
                throw fail(field + ".pretokenizers", "required list is missing")
            }
            return try list.enumerated().flatMap { try preTokenizers($1, field: "\(field).pretokenizers[\($0)]") }
        case "WhitespaceSplit":
            return [.whitespaceSplit]
        case "Metaspace":
            let replacement = object["replacement"] as? String ?? "\u{2581}"
            // Older files say `add_prefix_space` instead of a scheme.
            let schemeName =
                object["prepend_scheme"] as? String
                ?? ((object["add_prefix_space"] as? Bool ?? true) ? "always" : "never")
            guard let scheme = WordSplitter.PrependScheme(rawValue: schemeName) else {
                throw fail(
                    field + ".prepend_scheme", "unsupported scheme '\(schemeName)' (supported: always, first, never)")
            }
            return [
                .metaspace(replacement: replacement, prependScheme: scheme, split: object["split"] as? Bool ?? true)
            ]
        case "Split":
            if object["invert"] as? Bool == true { throw fail(field + ".invert", "inverted splits are not supported") }
            let name = object["behavior"] as? String ?? ""
            guard let behavior = WordSplitter.Behavior(rawValue: name) else {
                throw fail(
                    field + ".behavior",
                    """
                    unsupported behavior '\(name)' (supported: Removed, Isolated, MergedWithPrevious, \
                    MergedWithNext, Contiguous)
                    """
                )
            }
            return [.split(try pattern(object["pattern"], field + ".pattern"), behavior)]
        case let other:
            throw fail(
                field + ".type",
                "unsupported pre-tokenizer '\(other)' (supported: Sequence, Metaspace, WhitespaceSplit, Split)")
        }
    }

    // MARK: model

    /// The model's segmenter and its vocabulary (piece → id).
    func model(_ object: [String: Any]) throws -> (PieceSegmenter, [String: Int]) {
        let byteFallback = object["byte_fallback"] as? Bool ?? false
        if let dropout = object["dropout"] as? Double, dropout > 0 {
            throw fail("model.dropout", "BPE dropout (\(dropout)) is for training, not inference")
        }
        switch try type(object, "model") {
        case "Unigram":
            guard let vocab = object["vocab"] as? [[Any]] else {
                throw fail("model.vocab", "expected a list of [piece, score] pairs")
            }
            guard let unk = object["unk_id"] as? Int else {
                throw fail("model.unk_id", "required: SentencePiece's Unigram vocabularies have <unk>")
            }
            var pieces: [SentencePieceModel.Piece] = [], ids: [String: Int] = [:]
            for (id, pair) in vocab.enumerated() {
                guard pair.count == 2, let text = pair[0] as? String, let score = (pair[1] as? NSNumber)?.floatValue
                else {
                    throw fail("model.vocab[\(id)]", "expected [piece, score]")
                }
                pieces.append(
                    SentencePieceModel.Piece(
                        text: text, score: score, type: pieceType(text, id: id, unk: unk, byteFallback: byteFallback)))
                if ids[text] == nil { ids[text] = id }
            }
            guard (0..<pieces.count).contains(unk) else {
                throw fail("model.unk_id", "\(unk) is not one of the \(pieces.count) pieces")
            }
            return (.unigram(UnigramSegmenter(pieces: pieces, unkID: unk, byteFallback: byteFallback)), ids)
        case "BPE":
            guard let vocab = object["vocab"] as? [String: Int] else {
                throw fail("model.vocab", "expected an object of piece → id")
            }
            for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
                if let affix = object[key] as? String, !affix.isEmpty {
                    throw fail(
                        "model.\(key)", "'\(affix)': word-piece affixes are not SentencePiece's and are not supported")
                }
            }
            if object["ignore_merges"] as? Bool == true {
                throw fail("model.ignore_merges", "true is not supported (SentencePiece exports merge every word)")
            }
            // Ids must number the pieces 0..<count, each once (a gap or a repeat is a broken file).
            var pieces = [SentencePieceModel.Piece?](repeating: nil, count: vocab.count)
            for (text, id) in vocab.sorted(by: { $0.value < $1.value }) {
                guard (0..<vocab.count).contains(id), pieces[id] == nil else {
                    throw fail(
                        "model.vocab.\(text)",
                        """
                        id \(id) is out of range or repeated (\(vocab.count) pieces must be numbered \
                        0..<\(vocab.count))
                        """
                    )
                }
                pieces[id] = SentencePieceModel.Piece(text: text, score: 0, type: .normal)
            }
            var unk = -1
            if let name = object["unk_token"] as? String {
                guard let id = vocab[name] else { throw fail("model.unk_token", "'\(name)' is not in the vocabulary") }
                unk = id
            }
            let typed = pieces.enumerated().map { id, piece in
                SentencePieceModel.Piece(
                    text: piece!.text, score: 0,
                    type: pieceType(piece!.text, id: id, unk: unk, byteFallback: byteFallback))
            }
            guard let mergeList = object["merges"] as? [Any] else {
                throw fail("model.merges", "required list is missing")
            }
            var table: [UInt64: (rank: Int32, id: Int32)] = [:]
            table.reserveCapacity(mergeList.count)
            for (rank, item) in mergeList.enumerated() {
                let pair: [String]
                if let list = item as? [String], list.count == 2 {
                    pair = list
                } else if let text = item as? String, let space = text.firstIndex(of: " ") {
                    pair = [String(text[..<space]), String(text[text.index(after: space)...])]
                } else {
                    throw fail("model.merges[\(rank)]", "expected a pair of pieces")
                }
                guard let a = vocab[pair[0]], let b = vocab[pair[1]], let merged = vocab[pair[0] + pair[1]] else {
                    throw fail("model.merges[\(rank)]", "'\(pair[0])' + '\(pair[1])' are not all in the vocabulary")
                }
                // A pair listed twice keeps its last rank, as tokenizers builds its merge map.
                table[UInt64(a) << 32 | UInt64(b)] = (Int32(rank), Int32(merged))
            }
            return (
                .bpe(
                    BPESegmenter(
                        pieces: typed, unkID: unk, byteFallback: byteFallback,
                        fuseUnknown: object["fuse_unk"] as? Bool ?? false,
                        merges: .byRank(table))), vocab
            )
        case let other:
            throw fail(
                "model.type", "unsupported model '\(other)' (supported: Unigram, BPE — SentencePiece vocabularies)")
        }
    }

    private func pieceType(_ text: String, id: Int, unk: Int, byteFallback: Bool) -> SentencePieceModel.PieceType {
        if id == unk { return .unknown }
        return byteFallback && BytePieces.byte(named: text) != nil ? .byte : .normal
    }

    // MARK: post-processor

    /// The special ids the template puts before and after a single text.
    func template(_ value: Any?, vocabulary: [String: Int]) throws -> (prefix: [Int], suffix: [Int]) {
        guard let value, !(value is NSNull) else { return ([], []) }
        guard let object = value as? [String: Any] else { throw fail("post_processor", "expected an object or null") }
        guard try type(object, "post_processor") == "TemplateProcessing" else {
            throw fail(
                "post_processor.type",
                "unsupported post-processor '\(object["type"] ?? "")' (supported: TemplateProcessing)")
        }
        guard let single = object["single"] as? [[String: Any]] else {
            throw fail("post_processor.single", "required list is missing")
        }
        let specials = object["special_tokens"] as? [String: [String: Any]] ?? [:]
        var prefix: [Int] = [], suffix: [Int] = [], seenText = false
        for (i, item) in single.enumerated() {
            if item["Sequence"] != nil {
                seenText = true
                continue
            }
            guard let special = item["SpecialToken"] as? [String: Any], let name = special["id"] as? String else {
                throw fail("post_processor.single[\(i)]", "expected a Sequence or a SpecialToken")
            }
            guard let ids = (specials[name]?["ids"] as? [Int]) ?? vocabulary[name].map({ [$0] }),
                ids.allSatisfy({ $0 >= 0 })
            else {
                throw fail("post_processor.special_tokens.\(name)", "the template's special token has no valid id")
            }
            if seenText { suffix += ids } else { prefix += ids }
        }
        return (prefix, suffix)
    }
}
