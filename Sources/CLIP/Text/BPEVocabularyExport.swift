import Foundation

extension BPEVocabulary {
    /// Writes the vocabulary as Hugging Face's `CLIPTokenizer` reads it: `vocab.json` (token → id) and
    /// `merges.txt` (`#version: 0.2`, then one `left right` pair per line in priority order).
    public func writeHuggingFaceFiles(to folder: URL) throws {
        var tokens = [String](repeating: "", count: encoder.count)
        for (token, id) in encoder where Int(id) < tokens.count { tokens[Int(id)] = token }
        let ordered = merges.sorted { $0.value.rank < $1.value.rank }
        var lines = ["#version: 0.2"]
        lines.reserveCapacity(ordered.count + 1)
        for (key, _) in ordered {
            let left = Int(UInt32(truncatingIfNeeded: key >> 32)), right = Int(UInt32(truncatingIfNeeded: key))
            lines.append("\(tokens[left]) \(tokens[right])")
        }
        // open_clip names the special tokens <start_of_text>/<end_of_text>; transformers expects these.
        let hfNames = ["<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"]
        let entries = encoder.map { (hfNames[$0.key] ?? $0.key, Int($0.value)) }
        let vocab = try JSONSerialization.data(
            withJSONObject: Dictionary(entries, uniquingKeysWith: { a, _ in a }),
            options: [.sortedKeys, .withoutEscapingSlashes])
        for (name, data) in [("vocab.json", vocab), ("merges.txt", Data((lines.joined(separator: "\n") + "\n").utf8))] {
            try FileOutput.write(data, to: folder.appendingPathComponent(name))
        }
    }
}
