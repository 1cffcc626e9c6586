import CLIP
import Foundation

/// What every library route shares in reading a request: its limits and how a folder is named.
enum LibraryRequest {
    static let maxResults = 1000
    static let maxQueryTerms = 32
    /// Near-duplicates compare every pair: above this many images a request must name a folder.
    static let maxDuplicateImages = 20_000
    /// How deep paging goes (offset + top_k).
    static let maxDepth = 10_000

    /// What a request type checks its fields against: the served model (a vector's length, a text's) and
    /// whether there is a library (a classify request naming library images needs one).
    struct Setting: Sendable {
        let served: ServedModel
        let hasLibrary: Bool
    }

    /// `folder` as the stores hold paths (absolute, standardised); a NUL is no path (and PostgreSQL's text
    /// type would refuse it: a 503 for a client's mistake).
    static func folderPath(_ folder: String) throws -> String {
        guard !folder.contains("\u{0}") else {
            throw APIError.badRequest("'folder' contains a NUL character", param: "folder")
        }
        return URL(fileURLWithPath: (folder as NSString).expandingTildeInPath).standardizedFileURL.path
    }

    /// The folders a store's question ranges over: `folder`, or everywhere.
    static func roots(_ folder: String?) -> [String] { folder.map { [$0] } ?? [] }

    /// Without a library, every library route says how to get one.
    static var noLibrary: APIError {
        APIError(.notFound, "this server has no photo library: start it with --library DIR", code: "no_library")
    }
}
