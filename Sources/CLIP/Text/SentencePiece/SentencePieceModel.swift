import Foundation

/// A SentencePiece model file (`spiece.model`, `tokenizer.model`): its pieces with scores and types, the
/// algorithm and special ids of its trainer spec, and its normalizer spec (including the precompiled
/// charsmap). Read with a small protobuf reader; fields SentencePiece adds later are skipped.
public struct SentencePieceModel: Sendable {
    public enum PieceType: Int, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    public struct Piece: Sendable, Equatable {
        public let text: String
        public let score: Float
        public let type: PieceType
    }

    public enum Algorithm: Int, Sendable {
        case unigram = 1, bpe = 2, word = 3, character = 4
    }

    public struct Normalizer: Sendable {
        public var name = ""
        public var precompiledCharsmap: [UInt8] = []
        public var addDummyPrefix = true
        public var removeExtraWhitespaces = true
        public var escapeWhitespaces = true
    }

    public let pieces: [Piece]
    public let algorithm: Algorithm
    public let unkID: Int
    public let bosID: Int
    public let eosID: Int
    public let padID: Int
    public let byteFallback: Bool
    public let treatWhitespaceAsSuffix: Bool
    public let normalizer: Normalizer

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CLIPError.io(file: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data), source: url.path)
    }

    public init(bytes: [UInt8], source: String) throws {
        var reader = ProtobufReader(bytes, file: source)
        var pieces: [Piece] = []
        var trainer: ProtobufReader?, normalizerReader: ProtobufReader?
        while !reader.atEnd {
            let (field, value) = try reader.next()
            guard case let .bytes(range) = value else { continue }
            switch field {
            case 1: pieces.append(try Self.piece(reader.nested(range, "pieces[\(pieces.count)]")))
            case 2: trainer = reader.nested(range, "trainer_spec")
            case 3: normalizerReader = reader.nested(range, "normalizer_spec")
            default: continue
            }
        }
        guard !pieces.isEmpty else {
            throw CLIPError.config(source: source, field: "pieces", reason: "no pieces: not a SentencePiece model")
        }
        var algorithm = Algorithm.unigram, unk = 0, bos = 1, eos = 2, pad = -1, byteFallback = false, suffix = false
        if var t = trainer {
            while !t.atEnd {
                let (field, value) = try t.next()
                guard case let .varint(v) = value else { continue }
                let signed = Int(Int32(truncatingIfNeeded: v))
                switch field {
                case 3:
                    guard let a = Algorithm(rawValue: Int(v)) else { throw t.fail("unknown model_type \(v)", field: 3) }
                    algorithm = a
                case 24: suffix = v != 0
                case 35: byteFallback = v != 0
                case 40: unk = signed
                case 41: bos = signed
                case 42: eos = signed
                case 43: pad = signed
                default: continue
                }
            }
        }
        var normalizer = Normalizer()
        if var n = normalizerReader {
            while !n.atEnd {
                let (field, value) = try n.next()
                switch (field, value) {
                case let (1, .bytes(range)): normalizer.name = try n.string(range, field: 1)
                case let (2, .bytes(range)): normalizer.precompiledCharsmap = Array(bytes[range])
                case let (3, .varint(v)): normalizer.addDummyPrefix = v != 0
                case let (4, .varint(v)): normalizer.removeExtraWhitespaces = v != 0
                case let (5, .varint(v)): normalizer.escapeWhitespaces = v != 0
                default: continue
                }
            }
        }
        for (name, id) in [("unk_id", unk), ("eos_id", eos), ("bos_id", bos), ("pad_id", pad)] where id >= pieces.count
        {
            throw CLIPError.config(
                source: source, field: "trainer_spec.\(name)", reason: "\(id) is not one of the \(pieces.count) pieces")
        }
        self.pieces = pieces
        self.algorithm = algorithm
        unkID = unk
        bosID = bos
        eosID = eos
        padID = pad
        self.byteFallback = byteFallback
        treatWhitespaceAsSuffix = suffix
        self.normalizer = normalizer
    }

    private static func piece(_ reader: ProtobufReader) throws -> Piece {
        var r = reader, text: String?, score: Float = 0, type = PieceType.normal
        while !r.atEnd {
            let (field, value) = try r.next()
            switch (field, value) {
            case let (1, .bytes(range)): text = try r.string(range, field: 1)
            case let (2, .fixed32(bits)): score = Float(bitPattern: bits)
            case let (3, .varint(v)):
                guard let t = PieceType(rawValue: Int(v)) else { throw r.fail("unknown piece type \(v)", field: 3) }
                type = t
            default: continue
            }
        }
        guard let text else { throw r.fail("a piece without its text", field: 1) }
        return Piece(text: text, score: score, type: type)
    }
}
