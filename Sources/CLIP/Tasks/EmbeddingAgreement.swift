/// How closely one set of embeddings follows another, row by row: the cosine of each pair, summarised.
/// `clip eval precision` uses it to hold bf16 and int8 to the fp32 embeddings.
public struct EmbeddingAgreement: Sendable {
    public let count: Int
    public let meanCosine: Float
    public let worstCosine: Float
    /// The row with the lowest cosine.
    public let worstRow: Int

    /// - Parameters: `reference` and `candidate` are `[rows, D]`, in the same row order.
    public init(reference: Tensor, candidate: Tensor) {
        precondition(
            reference.shape == candidate.shape,
            "compared embeddings differ in shape: \(reference.shape) vs \(candidate.shape)")
        let rows = reference.shape.first ?? 0, d = rows > 0 ? reference.count / rows : 0
        var sum: Double = 0, worst: Float = .infinity, worstRow = 0
        for i in 0..<rows {
            let a = reference.data + i * d, b = candidate.data + i * d
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for k in 0..<d {
                dot += a[k] * b[k]
                na += a[k] * a[k]
                nb += b[k] * b[k]
            }
            let cosine = na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
            sum += Double(cosine)
            if cosine < worst {
                worst = cosine
                worstRow = i
            }
        }
        count = rows
        meanCosine = rows > 0 ? Float(sum / Double(rows)) : 1
        worstCosine = rows > 0 ? worst : 1
        self.worstRow = worstRow
    }
}
