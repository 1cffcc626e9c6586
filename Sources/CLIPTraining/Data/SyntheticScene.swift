import CLIP
import Foundation

/// A captioned synthetic picture: `count` copies of one coloured shape of one size, placed in one part of
/// a plain background. Captions name every attribute, so a model that reads them learns each one.
public struct SyntheticScene: Sendable, Equatable {
    public enum Shape: String, CaseIterable, Sendable { case circle, square, triangle, cross }
    public enum Colour: String, CaseIterable, Sendable { case red, green, blue, yellow, purple, orange }
    public enum Size: String, CaseIterable, Sendable { case small, large }
    public enum Position: String, CaseIterable, Sendable { case left, right, top, bottom }
    public enum Background: String, CaseIterable, Sendable { case white, gray, black }

    public var shape: Shape
    public var colour: Colour
    public var size: Size
    public var position: Position
    public var count: Int            // 1...3
    public var background: Background
    /// An unnamed paint (RGB) instead of `colour`: such scenes are captioned without a colour word. They
    /// teach shape apart from colour (see `SceneRenderer.randomScene`).
    public var paint: [Float]? = nil

    static let countWords = ["one", "two", "three"]

    /// The attributes a caption mentions.
    public struct Mention: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let count = Mention(rawValue: 1), size = Mention(rawValue: 2), colour = Mention(rawValue: 4)
        public static let shape = Mention(rawValue: 8), position = Mention(rawValue: 16), background = Mention(rawValue: 32)
        public static let all: Mention = [.count, .size, .colour, .shape, .position, .background]
    }

    /// "two small red circles on the left of a black background"
    public var caption: String { caption(mentioning: .all) }

    /// A caption naming only some attributes: "two red shapes", "a circle on a black background".
    public func caption(mentioning m: Mention) -> String {
        let plural = count > 1 && m.contains(.count)
        let base = m.contains(.shape) ? shape.rawValue : "shape"
        let noun = plural ? (base == "cross" ? "crosses" : base + "s") : base
        var words = [plural ? SyntheticScene.countWords[count - 1] : "a"]
        if m.contains(.size) { words.append(size.rawValue) }
        if m.contains(.colour), paint == nil { words.append(colour.rawValue) }
        words.append(noun)
        if m.contains(.position) {
            words.append("on the \(position.rawValue)")
            if m.contains(.background) { words.append("of a \(background.rawValue) background") }
        } else if m.contains(.background) {
            words.append("on a \(background.rawValue) background")
        }
        return words.joined(separator: " ")
    }

    /// Half the captions name everything; the rest a random subset that names the colour or the shape (or
    /// both). Partial captions teach each word on its own, which is what lets "green square" be understood
    /// when that pair never appears in training.
    public func randomMention<R: RandomNumberGenerator>(using random: inout R) -> Mention {
        if Bool.random(using: &random) { return .all }
        let needed: Mention = paint == nil ? [.colour, .shape] : .shape
        while true {
            let m = Mention(rawValue: Int.random(in: 0..<64, using: &random))
            if !m.isDisjoint(with: needed) { return m }
        }
    }

    /// The colour–shape label the held-out evaluation classifies ("red circle").
    public var label: String { "\(colour.rawValue) \(shape.rawValue)" }

    /// Colour–shape pairs never shown in training: every colour and every shape still appears, only these
    /// combinations do not, so a model must compose the two words to name them.
    public static let heldOutPairs: Set<String> = ["red circle", "green square", "blue triangle", "yellow cross", "purple circle", "orange square"]

    public var isHeldOut: Bool { paint == nil && Self.heldOutPairs.contains(label) }

    /// Caption-shaped prompts with `{}` for a colour–shape label, covering the other attributes.
    public static var promptTemplates: [String] {
        Size.allCases.flatMap { size in
            Position.allCases.flatMap { position in
                Background.allCases.map { "a \(size.rawValue) {} on the \(position.rawValue) of a \($0.rawValue) background" }
            }
        }
    }

    public static var allLabels: [String] {
        Colour.allCases.flatMap { c in Shape.allCases.map { "\(c.rawValue) \($0.rawValue)" } }
    }
}

extension SyntheticScene.Colour {
    var rgb: (Float, Float, Float) {
        switch self {
        case .red: return (220, 30, 30)
        case .green: return (30, 170, 50)
        case .blue: return (30, 60, 220)
        case .yellow: return (240, 220, 30)
        case .purple: return (140, 40, 180)
        case .orange: return (250, 140, 20)
        }
    }
}

extension SyntheticScene.Background {
    var rgb: (Float, Float, Float) {
        switch self {
        case .white: return (245, 245, 245)
        case .gray: return (128, 128, 128)
        case .black: return (15, 15, 15)
        }
    }
}
