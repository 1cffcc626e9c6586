import Foundation
import Hummingbird
import MultipartKit

/// The fields of an Immich `/predict` request: multipart (what Immich's server sends), or URL-encoded for a
/// text alone (Immich ML's FastAPI reads both).
struct PredictForm: Decodable, Sendable {
    var entries: String?
    var image: Data?
    var text: String?

    /// The form of `request`; anything else is FastAPI's 422.
    static func read(_ request: Request, maxBody: Int) async throws -> PredictForm {
        if let boundary = try RequestBody.boundary(request) {
            let body = try await RequestBody.collect(request, maxBody: maxBody)
            do {
                return try await RequestBody.decodeForm(PredictForm.self, from: body, boundary: boundary)
            } catch let problem as MultipartBoundary.ShapeProblem {
                throw APIError.detail(.unprocessableContent, "\(problem)")
            } catch {
                throw APIError.detail(.unprocessableContent, "the multipart body could not be read: \(error)")
            }
        }
        guard URLEncodedForm.matches(request) else {
            throw APIError.detail(
                .unprocessableContent,
                "expected a multipart/form-data body with a boundary, or application/x-www-form-urlencoded")
        }
        let body = try await RequestBody.collect(request, maxBody: maxBody)
        let fields: [String: String]
        do {
            fields = try await RequestBody.parse(body) { try URLEncodedForm.fields($0) }
        } catch let problem as URLEncodedForm.Problem {
            throw APIError.detail(.unprocessableContent, problem.description)
        }
        guard fields["image"] == nil else {
            throw APIError.detail(
                .unprocessableContent, "an 'image' must be a file part of a multipart/form-data body, not a form field")
        }
        return PredictForm(entries: fields["entries"], image: nil, text: fields["text"])
    }
}
