import CLIP
import CLIPServer
import CLIPTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// A tiny random-weight model (64-px images, 64-wide towers, the bundled tokenizer) served in memory.
enum ServerFixtures {
    static let config = TinyConfigs.vit64(patchSize: 16)

    static let loaded = LoadedModel(
        model: CLIPModel.randomWeights(config: config, seed: 7), folder: nil, id: "tiny random")

    static func served(batching: ServedModel.Batching = ServedModel.Batching()) throws -> ServedModel {
        try ServedModel(name: "tiny", loaded: loaded, batching: batching)
    }

    /// A small PNG with some structure (a gradient and a square), as bytes.
    static func png(seed: Int = 0, width: Int = 80, height: Int = 60) throws -> Data {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let inside = (20..<40).contains(x - seed) && (15..<35).contains(y)
                pixels[i] = inside ? 250 : UInt8((x * 3 + seed * 40) % 256)
                pixels[i + 1] = UInt8((y * 4) % 256)
                pixels[i + 2] = inside ? 10 : UInt8((x + y + seed * 17) % 256)
            }
        }
        return try PNGEncoder.encode(PixelImage(width: width, height: height, mode: .rgb, pixels: pixels))
    }
}

extension TestClientProtocol {
    /// POSTs `object` as JSON and returns the status and decoded JSON body.
    func postJSON(_ uri: String, _ object: Any, headers: HTTPFields = [:]) async throws -> (
        HTTPResponse.Status, [String: Any]
    ) {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try await send(uri, method: .post, body: body, headers: headers)
    }

    func send(_ uri: String, method: HTTPRequest.Method, body: Data? = nil, headers: HTTPFields = [:]) async throws -> (
        HTTPResponse.Status, [String: Any]
    ) {
        var fields = headers
        fields[.contentType] = "application/json"
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(bytes: $0) }) {
            response in
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            return (response.status, object)
        }
    }
}

/// Asserts an OpenAI-shaped error with `status`, naming `param` (when given) and containing `fragment`.
func assertAPIError(
    _ result: (HTTPResponse.Status, [String: Any]), _ status: HTTPResponse.Status, param: String?, _ fragment: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(result.0, status, "\(result.1)", file: file, line: line)
    guard let error = result.1["error"] as? [String: Any] else {
        XCTFail("no 'error' object in \(result.1)", file: file, line: line)
        return
    }
    let message = error["message"] as? String ?? ""
    XCTAssertTrue(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", file: file, line: line)
    if let param { XCTAssertEqual(error["param"] as? String, param, file: file, line: line) }
    XCTAssertNotNil(error["type"] as? String, file: file, line: line)
}
