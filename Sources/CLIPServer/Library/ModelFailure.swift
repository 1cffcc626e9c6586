/// An error of the served model's (a timeout, a bad image) raised inside a question to the library: it
/// passes through `LibraryController.libraryCall` as it is, where the library's own failures become 503s.
struct ModelFailure: Error {
    let error: Error

    static func wrap<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw ModelFailure(error: error)
        }
    }
}
