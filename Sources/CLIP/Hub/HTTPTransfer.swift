import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One blocking HTTP request through URLSession, with the body streamed to a sink and redirects
/// optionally refused (the hub's own headers are on its redirect response, not on the CDN's).
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let followRedirects: Bool
    private let sink: ((HTTPURLResponse, Data) throws -> Void)?
    private var response: HTTPURLResponse?
    private var failure: Error?
    private let finished = DispatchSemaphore(value: 0)

    private init(followRedirects: Bool, sink: ((HTTPURLResponse, Data) throws -> Void)?) {
        self.followRedirects = followRedirects
        self.sink = sink
    }

    /// Sends `request`; returns the final response (a 3xx one when redirects are refused). A sink error
    /// cancels the transfer and is rethrown.
    static func perform(
        _ request: URLRequest, followRedirects: Bool, sink: ((HTTPURLResponse, Data) throws -> Void)? = nil
    ) throws -> HTTPURLResponse {
        let transfer = HTTPTransfer(followRedirects: followRedirects, sink: sink)
        let session = URLSession(configuration: .ephemeral, delegate: transfer, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        transfer.finished.wait()
        if let failure = transfer.failure { throw failure }
        guard let response = transfer.response else {
            throw CLIPError.network(resource: request.url?.absoluteString ?? "?", reason: "no HTTP response")
        }
        return response
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(followRedirects ? request : nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        self.response = response as? HTTPURLResponse
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let response, (200..<300).contains(response.statusCode) else { return }
        do { try sink?(response, data) } catch {
            failure = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error {
            // A refused redirect ends the task with the 3xx response in hand: that is the answer wanted.
            if !(response.map { (300..<400).contains($0.statusCode) } ?? false) {
                failure = CLIPError.network(
                    resource: task.originalRequest?.url?.absoluteString ?? "?", reason: error.localizedDescription)
            }
        }
        finished.signal()
    }
}
