import Foundation
import Hummingbird

/// A client-facing error in OpenAI's shape, `{"error":{"message","type","param","code"}}`, with its HTTP
/// status. Every request problem becomes one of these (a 4xx naming the field); never a crash or a 5xx.
public struct APIError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public let type: String
    public let param: String?
    public let code: String?
    /// Seconds a client should wait before retrying (429).
    public var retryAfter: Int?
    /// The methods a 405's path answers (`Allow`).
    public var allow: String?
    /// Answer as FastAPI does (`{"detail": message}`), for the Immich-compatible routes.
    public var fastAPIShape = false

    public init(
        _ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error",
        param: String? = nil, code: String? = nil
    ) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public static func badRequest(_ message: String, param: String?, code: String? = nil) -> APIError {
        APIError(.badRequest, message, param: param, code: code)
    }

    /// A batcher's refusal: 429 with `Retry-After` for a full queue, 504 for a request past its deadline.
    public init(refusal: BatcherError) {
        switch refusal {
        case .queueFull:
            self.init(
                .tooManyRequests, "the server is busy; retry shortly", type: "rate_limit_error", code: "queue_full")
            retryAfter = 1
        case .timedOut:
            self.init(.gatewayTimeout, "the request waited longer than the server's --timeout", type: "timeout")
        }
    }

    /// 413 for a body over `--max-body` (`limit`, when the caller knows it); `declared`: the size its
    /// Content-Length claimed, when known.
    public static func bodyTooLarge(declared: Int? = nil, limit: Int? = nil) -> APIError {
        let bound = limit.map { " of \($0) bytes" } ?? "",
            claim = declared.map { " (Content-Length: \($0) bytes)" } ?? ""
        return APIError(
            .contentTooLarge, "the request body is larger than the server's limit\(bound) (--max-body)\(claim)",
            param: nil, code: "body_too_large")
    }

    /// The same error in FastAPI's shape, for the Immich-compatible routes.
    var inFastAPIShape: APIError {
        var error = self
        error.fastAPIShape = true
        return error
    }

    /// A FastAPI-shaped error (Immich's machine-learning service is FastAPI).
    public static func detail(_ status: HTTPResponse.Status, _ message: String) -> APIError {
        var error = APIError(status, message)
        error.fastAPIShape = true
        return error
    }

    var response: Response {
        let object: [String: Any] =
            fastAPIShape
            ? ["detail": message]
            : ["error": ["message": message, "type": type, "param": param as Any, "code": code as Any]]
        var response = JSONResponse.make(object, status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if let allow { response.headers[.allow] = allow }
        return response
    }
}

/// Turns any error a handler throws into its JSON answer: `APIError` as itself, a body over the limit as
/// 413, anything else as a 500 with no internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            return APIError.bodyTooLarge().response
        } catch let error as HTTPResponseError {
            return APIError(error.status, error.status.reasonPhrase).response
        } catch is CancellationError {
            return APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), "the request was cancelled")
                .response
        } catch {
            return APIError(.internalServerError, "internal error", type: "server_error").response
        }
    }
}
