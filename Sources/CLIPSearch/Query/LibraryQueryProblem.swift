import CLIP
import Foundation

/// Why a library query or ranking cannot be answered as asked: the caller's mistake (a bad vector, an
/// unknown image) or a library re-bound to another model since it was opened. The server maps each to its
/// status and the field to name; the CLI prints it.
public enum LibraryQueryProblem: Error, CustomStringConvertible {
    case nothingToSearch
    /// The text expression cannot be summed (`SearchQuery.vector`'s error): kept apart from the store's
    /// errors, which are the library's failure, not the query's.
    case expression(CLIPError)
    /// A part whose length is not a finite number.
    case tooLarge
    case allZeros
    /// The weighted parts add up to more than a Float holds.
    case weightsTooLarge
    /// The weighted parts add up to (almost) nothing.
    case cancelsOut
    case unknownImage(Int64)
    /// A stored vector of `found` floats where the model makes `expected`.
    case otherModel(found: Int, expected: Int)

    public var description: String {
        switch self {
        case .nothingToSearch: return "nothing to search for"
        case let .expression(error): return error.description
        case .tooLarge: return "a part of the query has numbers too large to square"
        case .allZeros: return "a part of the query is all zeros"
        case .weightsTooLarge: return "the weights of the query are too large to add up"
        case .cancelsOut: return "the parts of the query cancel out"
        case let .unknownImage(id): return "no image with id \(id) in the library"
        case let .otherModel(found, expected):
            return "the library now holds \(found)-d vectors of another model, not \(expected)-d ones"
        }
    }

    /// `vector` when it has the model's `dimension`, else `otherModel`.
    static func sameModel(_ vector: [Float], dimension: Int) throws -> [Float] {
        guard vector.count == dimension else { throw otherModel(found: vector.count, expected: dimension) }
        return vector
    }
}
