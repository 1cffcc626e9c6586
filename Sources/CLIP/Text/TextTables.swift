import Foundation

/// Character tables for text cleaning, exported as data by `tools/make_text_tables.py` from Python's
/// `html.entities` and ftfy's `chardata` (the behaviour open_clip's tokenizer depends on).
struct TextTables: Decodable, Sendable {
    let html5: [String: String]
    let invalid_charrefs: [String: String]
    let invalid_codepoints: [UInt32]
    let ftfy_entities: [String: String]
    let ligatures: [String: String]
    let width: [String: String]
    let control: [UInt32]
    let c1: [String: String]

    static let shared: Prepared = {
        guard let data = LibraryFiles.embedded["text_tables.json"],
            let raw = try? JSONDecoder().decode(TextTables.self, from: data)
        else {
            fatalError("the embedded text_tables.json is missing or corrupt (a packaging bug)")
        }
        return Prepared(raw)
    }()

    /// The tables keyed by scalar for fast lookup.
    struct Prepared: Sendable {
        let html5: [String: String]
        let html5MaxNameLength: Int
        let invalidCharrefs: [UInt32: String]
        let invalidCodepoints: Set<UInt32>
        let ftfyEntities: [String: String]
        /// Ligature, width and C1 replacements applied one scalar at a time.
        let ligatures: [UInt32: String]
        let width: [UInt32: String]
        let c1: [UInt32: String]
        let control: Set<UInt32>

        init(_ t: TextTables) {
            func keyed(_ map: [String: String]) -> [UInt32: String] {
                Dictionary(uniqueKeysWithValues: map.map { (UInt32($0.key)!, $0.value) })
            }
            html5 = t.html5
            html5MaxNameLength = t.html5.keys.map(\.count).max() ?? 0
            invalidCharrefs = keyed(t.invalid_charrefs)
            invalidCodepoints = Set(t.invalid_codepoints)
            ftfyEntities = t.ftfy_entities
            ligatures = keyed(t.ligatures)
            width = keyed(t.width)
            c1 = keyed(t.c1)
            control = Set(t.control)
        }
    }
}
