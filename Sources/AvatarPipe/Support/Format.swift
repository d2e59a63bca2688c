import Foundation

/// Numbers as people read them in messages.
public enum Format {
    public static func percent(_ fraction: Double) -> String {
        "\(Int((fraction * 100).rounded()))%"
    }

    public static func seconds(_ value: Double) -> String {
        if value < 10 { return String(format: "%.1f s", value) }
        if value < 120 { return "\(Int(value.rounded())) s" }
        let total = Int(value.rounded())
        return String(format: "%d min %02d s", total / 60, total % 60)
    }

    public static func bytes(_ value: Int64) -> String {
        let units = ["bytes", "KB", "MB", "GB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1000, unit < units.count - 1 {
            amount /= 1000
            unit += 1
        }
        if unit == 0 { return "\(value) bytes" }
        return String(format: amount < 10 ? "%.1f" : "%.0f", amount) + " " + units[unit]
    }

    public static func decibels(_ value: Double, unit: String) -> String {
        String(format: "%.1f", value) + " " + unit
    }

    public static func usd(_ value: Double) -> String {
        String(format: "$%.2f", value)
    }

    public static func size(_ width: Int, _ height: Int) -> String { "\(width)×\(height)" }

    /// A wait, in minutes when it is one or more, else in seconds.
    public static func minutes(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds >= 60 ? String(format: "%g min", (seconds / 60 * 10).rounded() / 10) : String(format: "%g s", (seconds * 10).rounded() / 10)
    }

    /// An instant in UTC, to the second: `2026-12-05T08:01:02Z` (made by hand: Foundation's
    /// formatters cost tens of microseconds each, and a ledger listing prints thousands).
    public static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
