import CLIP
import CLIPSearch
import Foundation
import Hummingbird
import Logging
import MultipartKit

private let libraryLog = Logger(label: "swiftclip.library")

/// The native API over the photo library (`clip serve --library DIR`):
/// - `POST /v1/search`: a text (with `clip search`'s arithmetic, `cat + 2:snow - indoor`), an uploaded image,
///   a library image (`like`: "more like this") or a vector, with `top_k`, `offset` and a `folder` filter;
/// - `POST /v1/classify`: zero-shot labels for library images (`ids`) or uploaded ones (`images`);
/// - `POST /v1/rank`: the library (or `ids`) ordered by a prompt, optionally against an opposing prompt
///   (`scoring` says what the scores are: cosine, SigLIP's sigmoid probability, or the two-prompt softmax);
/// - `GET /v1/duplicates`: near-duplicate groups;
/// - `GET /v1/images/{id}` and `GET /v1/thumbnails/{id}`: only files the library holds, by their id;
/// - `GET /v1/index/status` and `POST /v1/index`: the background indexer of the `--index` folders.
struct LibraryController<Context: RequestContext> {
    let served: ServedModel
    let library: ServedLibrary?
    let maxBody: Int
    let classifiers = ClassifierCache()
    /// One near-duplicate scan at a time (each compares every pair of its images).
    let duplicateScans = DispatchSemaphore(value: 1)

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("v1/search") { request, _ in try await search(request) }
        router.post("v1/classify") { request, _ in try await classify(request) }
        router.post("v1/rank") { request, _ in try await rank(request) }
        router.get("v1/duplicates") { request, _ in try await duplicates(request) }
        router.get("v1/images/:id") { _, context in try await file(context, thumbnail: false) }
        router.get("v1/thumbnails/:id") { _, context in try await file(context, thumbnail: true) }
        router.get("v1/index/status") { _, _ in try await indexStatus() }
        router.post("v1/index") { _, _ in try startIndexing() }
    }

    func requireLibrary() throws -> ServedLibrary {
        guard let library else { throw LibraryRequest.noLibrary }
        return library
    }

    /// What the request types check their fields against.
    var setting: LibraryRequest.Setting { LibraryRequest.Setting(served: served, hasLibrary: library != nil) }

    // MARK: Shared

    static func unknownImage(_ id: Int64, param: String) -> APIError {
        APIError(.notFound, "no image with id \(id) in the library", param: param, code: "image_not_found")
    }

    /// A question to the library; one it cannot answer (its database is down) is the server's problem (503),
    /// and the next request asks again.
    static func libraryCall<T: Sendable>(param: String? = nil, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as APIError {
            throw error
        } catch let failure as ModelFailure {
            throw failure.error
        } catch let problem as LibraryQueryProblem {
            throw apiError(problem, param: param)
        } catch {
            // The cause names the database's host, port, user and name: for the server's log, not the client.
            libraryLog.error("the library cannot be read: \((error as? CLIPError)?.description ?? "\(error)")")
            throw APIError(
                .serviceUnavailable,
                "the library cannot be read right now (its database is unreachable or failing); "
                    + "the server's log says why, and the next request tries again",
                type: "server_error", code: "library_unavailable")
        }
    }

    /// A query's problem as the API says it: the field to mend (`param` for an unknown image), or a 503
    /// when the library was re-bound to another model since the server started (a restart with that model,
    /// or re-indexing, mends it).
    static func apiError(_ problem: LibraryQueryProblem, param: String?) -> APIError {
        switch problem {
        case .nothingToSearch:
            return APIError.badRequest(
                "nothing to search for: give 'query', 'image', 'like' or 'vector'", param: "query")
        case let .expression(error): return APIError.badRequest("'query': \(error.inputReason)", param: "query")
        case .tooLarge: return APIError.badRequest("'vector' has numbers too large to square", param: "vector")
        case .allZeros: return APIError.badRequest("'vector' is all zeros", param: "vector")
        case .weightsTooLarge: return APIError.badRequest(problem.description, param: "query")
        case .cancelsOut: return APIError.badRequest("the parts of the query cancel out", param: "query")
        case let .unknownImage(id): return unknownImage(id, param: param ?? "id")
        case let .otherModel(found, expected):
            return APIError(
                .serviceUnavailable,
                "the library now holds \(found)-d vectors of another model, not this "
                    + "server's \(expected)-d ones: restart the server with that model, or re-index",
                type: "server_error")
        }
    }
}
