import CLIP

extension TrainableCLIP {
    /// The image tower's embeddings of `pixels` (`[N, 3, S, S]`, normalised as the model takes them) and the
    /// gradient of `Σ dEmbeddings · embeddings` with respect to those pixels: the input gradient adversarial
    /// search and saliency need. `dEmbeddings` (`[N, D]`) is the loss's gradient with respect to the
    /// L2-normalised embeddings. The parameter gradients are computed on the way (into `gradients`) and
    /// left there.
    public func imageGradient(pixels: Tensor, dEmbeddings: [Float]) throws -> (embeddings: [Float], dPixels: Tensor) {
        let vision = try config.requireViT(for: "the input gradient")
        let n = pixels.shape[0], d = config.embedDim
        guard pixels.shape == [n, 3, vision.imageSize, vision.imageSize], dEmbeddings.count == n * d else {
            throw CLIPError.invalidArgument(
                """
                imageGradient takes [N, 3, \(vision.imageSize), \(vision.imageSize)] pixels and N × \(d) \
                embedding gradients
                """
            )
        }
        let a = imageActivations(batch: n)
        gradients.zero()
        let p = UnsafePointer(parameters.data)
        VisionTowerLayer.forward(a, pixels: pixels.data, params: p, offsets: shape.vision, config: vision, embedDim: d)
        let embeddings = Array(UnsafeBufferPointer(start: a.head.embeddings.data, count: n * d))
        let dPixels = Tensor(zeros: pixels.shape)
        dEmbeddings.withUnsafeBufferPointer { g in
            VisionTowerLayer.backward(
                a, dEmbeddings: g.baseAddress!, params: p, grads: gradients.data, offsets: shape.vision, config: vision,
                embedDim: d, dPixels: dPixels.data)
        }
        return (embeddings, dPixels)
    }

    /// The image tower's normalised embeddings alone (`[N, D]`), through the training kernels.
    public func imageEmbeddings(pixels: Tensor) throws -> [Float] {
        let vision = try config.requireViT(for: "the training-path image forward")
        let a = imageActivations(batch: pixels.shape[0])
        VisionTowerLayer.forward(
            a, pixels: pixels.data, params: UnsafePointer(parameters.data), offsets: shape.vision, config: vision,
            embedDim: config.embedDim)
        return Array(UnsafeBufferPointer(start: a.head.embeddings.data, count: pixels.shape[0] * config.embedDim))
    }
}
