import CLIP
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
        let (json, _) = try run(["models", "list", "--json"], environment: ["HF_HUB_CACHE": cache.path, "HF_HOME": cache.path])
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let dfn = try XCTUnwrap(rows.first { $0["name"] as? String == "ViT-H-14-378-dfn5b" })
        XCTAssertEqual(dfn["family"] as? String, "ViT")
        XCTAssertEqual(dfn["image_size"] as? Int, 378)
        XCTAssertEqual(dfn["resize"] as? String, "squash")
        XCTAssertEqual(dfn["architecture"] as? String, "ViT-H-14-378-quickgelu")
        XCTAssertEqual(rows.count, KnownModels.all.count)
    }
}
