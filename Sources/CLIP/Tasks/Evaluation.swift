/// Accuracy and retrieval metrics, as the CLIP paper reports them.
public enum Evaluation {
    public struct Accuracy: Sendable {
        public let top1: Double, top5: Double
        /// Per class: (correct at top-1, count).
        public let perClass: [(correct: Int, count: Int)]
    }

    /// Top-1/top-5 accuracy of class scores `[N][classes]` against `labels`.
    public static func accuracy(scores: [[Float]], labels: [Int], classCount: Int) -> Accuracy {
        var top1 = 0, top5 = 0
        var perClass = [(correct: Int, count: Int)](repeating: (0, 0), count: classCount)
        for (row, label) in zip(scores, labels) {
            let order = row.indices.sorted { row[$0] > row[$1] }
            if order.first == label {
                top1 += 1
                perClass[label].correct += 1
            }
            if order.prefix(5).contains(label) { top5 += 1 }
            perClass[label].count += 1
        }
        let n = Double(max(labels.count, 1))
        return Accuracy(top1: Double(top1) / n, top5: Double(top5) / n, perClass: perClass)
    }

    /// Recall@k both ways for image embeddings `[I, D]` and caption embeddings `[C, D]`, where caption
    /// `c` belongs to image `owner[c]`: text→image counts a caption's image among its top k; image→text
    /// counts any of the image's captions among its top k.
    public static func retrievalRecall(images: Tensor, captions: Tensor, owner: [Int], ks: [Int] = [1, 5, 10])
        -> (textToImage: [Int: Double], imageToText: [Int: Double])
    {
        let scores = Similarity.dotProducts(captions, images)  // [C, I]
        var textToImage: [Int: Double] = [:], imageToText: [Int: Double] = [:]
        let rankedImages = (0..<captions.shape[0]).map { c -> [Int] in
            let row = scores.row(c)
            return row.indices.sorted { row[$0] > row[$1] }
        }
        let rankedCaptions = (0..<images.shape[0]).map { i -> [Int] in
            (0..<captions.shape[0]).sorted {
                scores.data[$0 * images.shape[0] + i] > scores.data[$1 * images.shape[0] + i]
            }
        }
        for k in ks {
            let hitsT = rankedImages.enumerated().filter { $0.element.prefix(k).contains(owner[$0.offset]) }.count
            textToImage[k] = Double(hitsT) / Double(max(captions.shape[0], 1))
            let hitsI = rankedCaptions.enumerated().filter { image in
                image.element.prefix(k).contains { owner[$0] == image.offset }
            }.count
            imageToText[k] = Double(hitsI) / Double(max(images.shape[0], 1))
        }
        return (textToImage, imageToText)
    }
}
