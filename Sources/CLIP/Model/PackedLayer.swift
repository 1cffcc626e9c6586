/// One packed linear layer of a tower, as loaded: the format asked for, the format it resolved to on its
/// kernel table, and the kernel that runs it. A model's list of these is what `clip bench --kernels`
/// prints, and what a test compares to prove two models run the same formats layer by layer.
public struct PackedLayer: Sendable, Equatable {
    /// Where it sits: `image`/`text`, then e.g. `patch`, `blocks.3.fc`, `projection`.
    public let name: String
    /// The part it belongs to, for summaries: `image patch embedding`, `image blocks`, `text head`, …
    public let part: String
    public let requested: Precision
    public let format: WeightFormat
    public let kernel: String

    init(_ name: String, part: String, _ weights: PackedWeights) {
        self.name = name
        self.part = part
        requested = weights.requestedFormat
        format = weights.format
        kernel = weights.kernelName
    }

    /// The same layer under a tower's prefix (`image` or `text`).
    func prefixed(_ tower: String) -> PackedLayer {
        PackedLayer(
            name: tower + "." + name, part: tower + " " + part, requested: requested, format: format,
            kernel: kernel)
    }

    private init(name: String, part: String, requested: Precision, format: WeightFormat, kernel: String) {
        self.name = name
        self.part = part
        self.requested = requested
        self.format = format
        self.kernel = kernel
    }
}

/// One line per part and (format, kernel): what a model runs, for people.
public struct KernelPlanLine: Sendable, Equatable, CustomStringConvertible {
    public let part: String
    public let format: WeightFormat
    public let kernel: String
    public let layers: Int
    /// Set when the part asked for another format, which this CPU has no kernel for.
    public let fellBackFrom: WeightFormat?

    public var description: String {
        let fallback = fellBackFrom.map { " (asked \($0.rawValue): no kernel on this CPU)" } ?? ""
        return "\(part): \(format.rawValue) × \(layers) layer\(layers == 1 ? "" : "s") on \(kernel)\(fallback)"
    }
}

extension Array where Element == PackedLayer {
    /// Groups the layers by part, then by (format, kernel), in the order the parts first appear.
    public var planLines: [KernelPlanLine] {
        var lines: [KernelPlanLine] = []
        for layer in self {
            // `auto` asked for no one format, so it never fell back.
            let fellBack = layer.requested.format.flatMap { $0 == layer.format ? nil : $0 }
            let same = { (line: KernelPlanLine) in
                line.part == layer.part && line.format == layer.format && line.kernel == layer.kernel
                    && line.fellBackFrom == fellBack
            }
            if let i = lines.firstIndex(where: same) {
                let line = lines[i]
                lines[i] = KernelPlanLine(
                    part: line.part, format: line.format, kernel: line.kernel,
                    layers: line.layers + 1, fellBackFrom: fellBack)
            } else {
                lines.append(
                    KernelPlanLine(
                        part: layer.part, format: layer.format, kernel: layer.kernel,
                        layers: 1, fellBackFrom: fellBack))
            }
        }
        return lines
    }
}

extension ResidualBlockWeights {
    /// The block's four linear layers, named `blocks.<index>.{qkv,out,fc,proj}`.
    func packedLayers(block index: Int) -> [PackedLayer] {
        let prefix = "blocks.\(index)."
        return [("qkv", qkvWeight), ("out", outWeight), ("fc", fcWeight), ("proj", projWeight)].map {
            PackedLayer(prefix + $0.0, part: "blocks", $0.1)
        }
    }
}

extension Array where Element == ResidualBlockWeights {
    var packedLayers: [PackedLayer] { enumerated().flatMap { $0.element.packedLayers(block: $0.offset) } }
}
