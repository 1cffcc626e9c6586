import CLIP
import Foundation

/// A search of the library, as `clip search` and `POST /v1/search` both ask it: parts (a text expression,
/// uploaded images, a library image, a raw vector), each normalised and weighted, added up into one
/// normalised vector; the folders it ranges over; the page wanted. Embedding is the caller's (`Embedding`),
/// so this knows nothing of HTTP or of how models load.
public struct LibraryQuery: Sendable {
    public enum Part: Sendable, Equatable {
        /// `clip search`'s arithmetic (`cat + 2:snow - indoor`): its own weighted sum, as one part.
        case expression(SearchQuery)
        /// An image's encoded bytes (an upload).
        case image(Data)
        /// A library image, by id: "more like this".
        case like(Int64)
        /// A vector in the model's space.
        case vector([Float])
    }

    /// How the caller's model embeds: texts, image files (paths), encoded images. Each returns one
    /// L2-normalised vector per input, in order.
    public struct Embedding: Sendable {
        public var texts: @Sendable ([String]) async throws -> [[Float]]
        public var files: @Sendable ([String]) async throws -> [[Float]]
        public var images: @Sendable ([Data]) async throws -> [[Float]]

        public init(
            texts: @escaping @Sendable ([String]) async throws -> [[Float]],
            files: @escaping @Sendable ([String]) async throws -> [[Float]] = { _ in
                throw CLIPError.invalidArgument("image files are not searched here")
            },
            images: @escaping @Sendable ([Data]) async throws -> [[Float]] = { _ in
                throw CLIPError.invalidArgument("images are not searched here")
            }
        ) {
            self.texts = texts
            self.files = files
            self.images = images
        }
    }

    public var parts: [(part: Part, weight: Float)]
    /// The folders searched (standardised absolute paths, as the stores hold them); everywhere when empty.
    public var roots: [String]
    public var k: Int
    public var offset: Int
    public var mode: SearchMode

    public init(
        parts: [(part: Part, weight: Float)], roots: [String] = [], k: Int, offset: Int = 0,
        mode: SearchMode = .approximate(efSearch: nil)
    ) {
        self.parts = parts
        self.roots = roots.map(LibrarySearch.standardised)
        self.k = k
        self.offset = offset
        self.mode = mode
    }

    /// The query vector: every part embedded (a library image read from `store`), normalised, weighted and
    /// added; the sum normalised.
    public func vector(embedding: Embedding, store: any LibraryStore, dimension: Int) async throws -> [Float] {
        guard !parts.isEmpty else { throw LibraryQueryProblem.nothingToSearch }
        var vectors: [[Float]] = []
        for (part, _) in parts {
            switch part {
            case let .expression(query):
                vectors.append(try await Self.vector(query, embedding: embedding))
            case let .image(data):
                vectors += try await embedding.images([data])
            case let .like(id):
                let image = try await store.images(ids: [id])[id]
                guard let image else { throw LibraryQueryProblem.unknownImage(id) }
                vectors.append(try LibraryQueryProblem.sameModel(image.vector, dimension: dimension))
            case let .vector(vector):
                vectors.append(vector)
            }
        }
        return try Self.normalisedSum(zip(vectors, parts.map(\.weight)).map { (vector: $0, weight: $1) })
    }

    /// The page of results from `store`.
    public func run(embedding: Embedding, store: any LibraryStore, dimension: Int) async throws -> LibraryPage {
        let query = try await vector(embedding: embedding, store: store, dimension: dimension)
        return try await store.page(query, k: k, offset: offset, under: roots, mode: mode)
    }

    /// A text expression's vector: its texts embedded in one batch, its image paths in another, summed
    /// with their weights (`SearchQuery.vector`).
    static func vector(_ query: SearchQuery, embedding: Embedding) async throws -> [Float] {
        let textVectors = query.texts.isEmpty ? [] : try await embedding.texts(query.texts)
        let fileVectors = query.imagePaths.isEmpty ? [] : try await embedding.files(query.imagePaths)
        do {
            return try query.vector(textVectors: textVectors, imageVectors: fileVectors)
        } catch let error as CLIPError {
            throw LibraryQueryProblem.expression(error)
        }
    }

    /// The one weighted sum of a query's parts, for `clip search` and `POST /v1/search` alike: each part
    /// divided by its length (unless the caller knows them normalised already, as a text expression's
    /// embeddings are), times its weight, added up; the sum divided by its length.
    public static func normalisedSum(
        _ parts: [(vector: [Float], weight: Float)], normalisingParts: Bool = true
    ) throws -> [Float] {
        var sum = [Float](repeating: 0, count: parts.first?.vector.count ?? 0)
        for (part, weight) in parts {
            var norm: Float = 1
            if normalisingParts {
                norm = part.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm.isFinite else { throw LibraryQueryProblem.tooLarge }
                guard norm > 0 else { throw LibraryQueryProblem.allZeros }
            }
            for k in sum.indices { sum[k] += weight * part[k] / norm }
        }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm.isFinite else { throw LibraryQueryProblem.weightsTooLarge }
        // Below this the parts cancel, and what is left is rounding: its direction would rank at random.
        guard norm > 1e-6 else { throw LibraryQueryProblem.cancelsOut }
        return sum.map { $0 / norm }
    }
}
