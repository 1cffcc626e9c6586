import CLIP
import CLIPSearch
import Foundation
import Hummingbird

/// `GET /v1/duplicates?threshold=&folder=`: near-duplicate groups of a folder or the library. The query's
/// parameters are read as a JSON object of strings would be.
struct DuplicatesRequest: Decodable, Sendable {
    let threshold: Float
    let folder: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case threshold, folder }

    init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try fields.number(.threshold) ?? 0.95
        guard (0.5...1).contains(threshold) else {
            throw fields.problem(.threshold, "'threshold' must be between 0.5 and 1")
        }
        folder = try fields.string(.folder).map(LibraryRequest.folderPath)
    }

    /// The request a URI's query asks: `parameter` gives each of its parameters, percent-decoded.
    init(query parameter: (String) -> String?) throws {
        var object: [String: String] = [:]
        for key in CodingKeys.allCases {
            if let value = parameter(key.stringValue) { object[key.stringValue] = value }
        }
        self = try RequestDecoding.decode(Self.self, from: try JSONEncoder().encode(object))
    }
}

/// `GET /v1/duplicates`' answer: groups of near-identical images, each best first.
struct DuplicatesResponse: Encodable, Sendable {
    let groups: [[LibraryHitJSON]]
}

extension LibraryController {
    func duplicates(_ request: Request) async throws -> Response {
        let library = try requireLibrary()
        let parameters = request.uri.queryParameters
        let asked = try DuplicatesRequest { parameters.get($0) }
        let roots = LibraryRequest.roots(asked.folder)
        let count = try await Self.libraryCall { try await library.store.count(under: roots) }
        guard count <= LibraryRequest.maxDuplicateImages else {
            throw APIError.badRequest(
                "\(count) images are more than \(LibraryRequest.maxDuplicateImages) to compare pairwise: "
                    + "narrow it with 'folder'",
                param: "folder")
        }
        let scans = duplicateScans
        let groups = try await Self.libraryCall {
            try await NearDuplicates.hits(library.store, roots: roots, threshold: asked.threshold) { compare in
                try await Blocking.run {
                    scans.wait()
                    defer { scans.signal() }
                    return compare()
                }
            }
        }
        let answer = DuplicatesResponse(groups: groups.map { $0.map(LibraryHitJSON.init) })
        return JSONResponse.make(answer)
    }
}
