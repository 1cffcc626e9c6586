/// Takes tensors out of a checkpoint by key and shape, collecting every problem (missing tensor, wrong
/// shape, unexpected tensor) so that one error can name them all instead of stopping at the first.
final class WeightReader {
    let file: SafeTensorsFile
    private(set) var used: Set<String> = []
    private(set) var problems: [(tensor: String, reason: String)] = []

    init(file: SafeTensorsFile) { self.file = file }

    /// Reads `key`, which must have `shape`; the result is reshaped to `viewShape` (same element count).
    func take(_ key: String, _ shape: [Int], as viewShape: [Int]? = nil) -> Tensor {
        let target = viewShape ?? shape
        used.insert(key)
        guard let entry = file.entries[key] else {
            problems.append((key, "missing (expected shape \(shape))"))
            return Tensor(zeros: target)
        }
        let matches = entry.shape == shape || (shape.isEmpty && entry.shape == [1])
        guard matches else {
            problems.append((key, "has shape \(entry.shape), expected \(shape)"))
            return Tensor(zeros: target)
        }
        return file.read(entry, as: target)
    }

    /// Concatenates several same-shape tensors along the first dimension (HF q/k/v → fused qkv).
    func stack(_ keys: [String], _ shape: [Int]) -> Tensor {
        concatenate(keys.map { ($0, shape) })
    }

    /// Concatenates tensors of the same trailing shape along the first dimension (timm's q and kv → the
    /// fused in-projection).
    func concatenate(_ parts: [(key: String, shape: [Int])]) -> Tensor {
        let tensors = parts.map { take($0.key, $0.shape) }
        let out = Tensor(uninitialized: [parts.map { $0.shape[0] }.reduce(0, +)] + parts[0].shape.dropFirst())
        var offset = 0
        for t in tensors {
            (out.data + offset).update(from: t.data, count: t.count)
            offset += t.count
        }
        return out
    }

    /// Lets the mapped pages of every tensor read so far go (see `SafeTensorsFile.releasePages`); called as
    /// each residual block is packed, so a load's resident memory peaks at one block of the file.
    func releaseTakenPages() {
        file.releasePages(of: used.compactMap { file.entries[$0] })
    }

    /// Records as unexpected every key that `owned` claims but nothing read.
    func rejectUnused(where owned: (String) -> Bool) {
        for key in file.entries.keys.sorted() where owned(key) && !used.contains(key) {
            problems.append((key, "unexpected tensor (not part of this model; wrong config or wrong model name?)"))
        }
    }

    /// Throws one `CLIPError.checkpoint` listing every problem found.
    func finish() throws {
        guard let first = problems.first else { return }
        let list = problems.prefix(20).map { "'\($0.tensor)' \($0.reason)" }.joined(separator: "; ")
        let more = problems.count > 20 ? " (and \(problems.count - 20) more)" : ""
        throw CLIPError.checkpoint(
            file: file.path, tensor: first.tensor,
            reason: "\(problems.count) tensor problem(s): \(list)\(more)")
    }
}
