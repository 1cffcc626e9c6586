import CLIPSearch
import Foundation

/// A library image as every library answer names it: its id, path and the URLs that serve it.
struct LibraryImageJSON: Encodable, Sendable {
    let id: Int64
    let path: String
    let thumbnailURL: String
    let imageURL: String

    init(id: Int64, path: String) {
        self.id = id
        self.path = path
        thumbnailURL = "/v1/thumbnails/\(id)"
        imageURL = "/v1/images/\(id)"
    }

    enum CodingKeys: String, CodingKey {
        case id, path
        case thumbnailURL = "thumbnail_url"
        case imageURL = "image_url"
    }
}

/// A library image with its score (search, rank, near-duplicates).
struct LibraryHitJSON: Encodable, Sendable {
    let image: LibraryImageJSON
    /// Written as a Double, as JSONSerialization wrote `Double(score)`: 0.2345678061246872, not 0.2345678.
    let score: Double

    init(_ hit: LibraryHit) { self.init(id: hit.id, path: hit.path, score: hit.score) }

    init(id: Int64, path: String, score: Float) {
        image = LibraryImageJSON(id: id, path: path)
        self.score = Double(score)
    }

    enum CodingKeys: String, CodingKey { case score }

    func encode(to encoder: any Encoder) throws {
        try image.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(score, forKey: .score)
    }
}

/// A page of library images: `POST /v1/search`'s answer, and `POST /v1/rank`'s with `scoring`.
struct LibraryPageJSON: Encodable, Sendable {
    let results: [LibraryHitJSON]
    let searched: Int
    let offset: Int
    let topK: Int
    /// What rank's scores are (cosine, sigmoid, versus); absent from a search.
    let scoring: String?

    init(_ page: LibraryPage, offset: Int, topK: Int, scoring: String? = nil) {
        results = page.hits.map(LibraryHitJSON.init)
        searched = page.searched
        self.offset = offset
        self.topK = topK
        self.scoring = scoring
    }

    enum CodingKeys: String, CodingKey {
        case results, searched, offset, scoring
        case topK = "top_k"
    }
}
