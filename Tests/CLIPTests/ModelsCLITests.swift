import CLIP
import CLIPTestSupport
import Foundation
import XCTest

extension CLITests {
    /// `clip models list`: every known model with its family, input size, embedding size, parameters and
    /// GFLOPs, from the architecture alone (nothing downloaded); `--json` for scripts.
    func testModelsListShowsFamiliesAndCosts() throws {
        let cache = try temporaryDirectory(self)
        let (out, _) = try run(["models", "list"], environment: ["HF_HUB_CACHE": cache.path, "HF_HOME": cache.path])
        let rn50 = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("RN50 ") }, out)
        for part in ["ModifiedResNet", "224", "1024", "38M + 64M", "12.0", "no", "timm/resnet50_clip.openai"] {
            XCTAssertTrue(rn50.contains(part), "\(part) in \(rn50)")
        }
        let (json, _) = try run(
            ["models", "list", "--json"], environment: ["HF_HUB_CACHE": cache.path, "HF_HOME": cache.path])
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let dfn = try XCTUnwrap(rows.first { $0["name"] as? String == "ViT-H-14-378-dfn5b" })
        XCTAssertEqual(dfn["family"] as? String, "ViT")
        XCTAssertEqual(dfn["image_size"] as? Int, 378)
        XCTAssertEqual(dfn["resize"] as? String, "squash")
        XCTAssertEqual(dfn["architecture"] as? String, "ViT-H-14-378-quickgelu")
        XCTAssertEqual(rows.count, KnownModels.all.count + 1, "the known models and the bundled one")
        XCTAssertEqual(rows.last?["name"] as? String, "synthetic-shapes")
    }
}

extension CLITests {
    /// Options added with the store work: a usage error says what to give.
    func testRerankAndCompactUsageErrorsSayWhatToGive() throws {
        let (_, rerank) = try run(["search", "--rerank", "0", "a dog"], expectStatus: 64)
        XCTAssertTrue(rerank.contains("--rerank must be at least 1"), rerank)
        let (_, index) = try run(["index"], expectStatus: 64)
        XCTAssertTrue(index.contains("name the folders to index (or give --compact alone)"), index)
    }
}
