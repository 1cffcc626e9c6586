import CLIP
import CLIPServer
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// Models loaded on demand (`clip serve --models`): one load however many requests wait for it, unloaded
/// after the TTL unless in use, and answered by name through `/predict`.
final class ModelRegistryTests: XCTestCase {
    /// A loader of tiny random-weight models (seed from the name's length), slow enough for requests to
    /// arrive while it loads; it counts its calls.
    final class SlowLoader: @unchecked Sendable {
        private let lock = NSLock()
        private var calls = 0
        var count: Int { lock.withLock { calls } }

        func load(_ reference: String) throws -> ServedModel {
            lock.withLock { calls += 1 }
            Thread.sleep(forTimeInterval: 0.3)
            let model = CLIPModel.randomWeights(config: ServerFixtures.config, seed: UInt64(reference.count))
            return try ServedModel(name: reference, loaded: LoadedModel(model: model, folder: nil, id: reference))
        }
    }

    func testRequestsDuringALoadWaitForThatOneLoad() async throws {
        let loader = SlowLoader()
        let registry = ModelRegistry(allowed: ["other"], ttl: 0, loader: loader.load)
        let dimensions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { try await registry.using("other") { $0.dimension } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(dimensions, Array(repeating: ServerFixtures.config.embedDim, count: 6))
        XCTAssertEqual(loader.count, 1, "six requests during one load should share it")
        let unloaded = await registry.sweep(now: .now + .seconds(3600))
        XCTAssertEqual(unloaded, 0, "a TTL of 0 never unloads")
    }

    func testIdleModelsUnloadAfterTheTTLButNotWhileInUse() async throws {
        let loader = SlowLoader()
        let registry = ModelRegistry(allowed: ["other"], ttl: 10, loader: loader.load)
        try await registry.preload("other")
        XCTAssertEqual(loader.count, 1)
        let stillResident = await registry.sweep(now: .now + .seconds(5))
        XCTAssertEqual(stillResident, 0, "unused for 5 s of a 10 s TTL")
        // In use past the TTL: kept.
        let kept = try await registry.using("other") { _ in await registry.sweep(now: .now + .seconds(60)) }
        XCTAssertEqual(kept, 0)
        let unloaded = await registry.sweep(now: .now + .seconds(60))
        XCTAssertEqual(unloaded, 1)
        let resident = await registry.residentReferences
        XCTAssertEqual(resident, [])
        _ = try await registry.using("other") { $0.name }
        XCTAssertEqual(loader.count, 2, "used again after the unload: loaded again")
    }

    /// A load that fails is reported to the waiting requests and tried again by the next one.
    func testAFailedLoadIsRetried() async throws {
        struct Broken: Error {}
        let attempts = SlowLoader()
        let registry = ModelRegistry(allowed: ["flaky"], ttl: 0) { reference in
            if attempts.count == 0 {
                _ = try? attempts.load("x")  // counts the attempt
                throw Broken()
            }
            return try attempts.load(reference)
        }
        do {
            _ = try await registry.using("flaky") { $0.name }
            XCTFail("the first load should fail")
        } catch is Broken {}
        let name = try await registry.using("flaky") { $0.name }
        XCTAssertEqual(name, "flaky")
    }

    /// Through `/predict`: the started model answers its name, a `--models` name loads on first use and
    /// answers with its own weights, and any other name is refused, listing both.
    func testPredictLoadsAllowedNamesOnDemand() async throws {
        let loader = SlowLoader()
        let registry = ModelRegistry(allowed: ["second-model"], ttl: 300, loader: loader.load)
        let served = try ServerFixtures.served()
        defer { served.shutdown() }
        let router = buildRouter(served, configuration: ServerConfiguration(), registry: registry)
        try await Application(router: router).test(.router) { client in
            func text(_ model: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let entries = #"{"clip":{"textual":{"modelName":"\#(model)"}}}"#
                return try await PredictRouteTests.predict(
                    client, [("entries", Data(entries.utf8), false), ("text", Data("a red square".utf8), false)])
            }
            let first = try await text("tiny"), second = try await text("second-model")
            XCTAssertEqual(first.0, .ok)
            XCTAssertEqual(second.0, .ok, "\(second.1)")
            let a = PredictRouteTests.vector(first.1["clip"]), b = PredictRouteTests.vector(second.1["clip"])
            XCTAssertEqual(a.count, b.count)
            XCTAssertNotEqual(a, b, "the second model's own weights answer its name")
            let refused = try await text("third-model")
            XCTAssertEqual(refused.0, .badRequest)
            let detail = refused.1["detail"] as? String ?? ""
            XCTAssertTrue(detail.contains("serves 'tiny' and may load second-model"), detail)
        }
        XCTAssertEqual(loader.count, 1)
    }

    /// Immich's names for an allowed known model find it; nothing else does.
    func testReferencesMatchImmichNames() {
        let registry = ModelRegistry(allowed: ["ViT-B-32", "/models/mine"], ttl: 0) { _ in throw CancellationError() }
        XCTAssertEqual(registry.reference(for: "immich-app/ViT-B-32::openai"), "ViT-B-32")
        XCTAssertEqual(registry.reference(for: "/models/mine"), "/models/mine")
        XCTAssertNil(registry.reference(for: "ViT-B-32__laion2b-s34b-b79k"))
        XCTAssertNil(registry.reference(for: "mine"))
    }
}
