import AvatarHTTP
import Foundation

/// What can go wrong around a paid render, each with the message a user can act on and the
/// exit code avatarpipe promises.
public enum RenderError: Error, CustomStringConvertible, Sendable {
    /// The submit may have reached the service: a render may exist and be charged.
    case maybeSubmitted(detail: String, jobDirectory: String)
    /// Submitted; not finished or downloaded yet (deadline reached, interrupted).
    case stillRendering(requestID: String, jobDirectory: String, reason: String)
    /// Submitted (the service answered), then something failed: the render exists and may be
    /// charged. `next` says what the user can do about it.
    case afterSubmit(requestID: String, jobDirectory: String, reason: String, next: AfterSubmit)

    public enum AfterSubmit: Sendable {
        /// `avatarpipe resume DIR` picks it up from the ledger.
        case resume
        /// The ledger did not take the answer: this message is the only record of the id.
        case keepTheID
        /// The built-in sandbox served it and ends with this process: nothing was paid.
        case runAgain
    }
    case badRequest(String)
    case unauthorized(String)
    case forbidden(String)
    case notFound(String)
    case insufficientCredits(balance: Double?, price: Double, message: String)
    /// 429; `retryAt` is when the service said to come back (Retry-After, or its reset time).
    case rateLimited(attempts: Int, message: String, retryAt: Date?)
    case serviceFailed(reason: String)
    case expired(requestID: String)
    case serviceError(status: Int, message: String)
    case network(String)
    case invalidAnswer(String)
    case download(String)
    case notAVideo(String)
    /// This machine failed (out of memory, no decoder): the video is not at fault.
    case localFailure(String)
    /// A URL the service gave is on an origin the key is never sent to.
    case foreignURL(String)
    /// A stored render is missing or damaged.
    case storeDamaged(String)
    /// Paid for, and cannot be fetched again (a v1 answer whose body was the only copy).
    case lost(String)
    case refused(String)

    public var exitCode: Int32 {
        switch self {
        case .maybeSubmitted, .stillRendering, .afterSubmit: return 4
        case .insufficientCredits, .refused: return 3
        default: return 1
        }
    }

    /// An answer that ends the render for good: nothing to resume.
    public var endsTheRender: Bool {
        switch self {
        case .serviceFailed, .expired, .lost: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .maybeSubmitted(let detail, let directory):
            return "the submit may have reached the service (\(detail)), so a render may exist and be charged. "
                + "avatarpipe does not submit again by itself. Check your balance (`avatarpipe credits`) and the job in "
                + "\(directory)/job.json; submit again only knowingly, with `avatarpipe run ... --force-new`."
        case .stillRendering(let id, let directory, let reason):
            return "render \(id) is submitted but not downloaded yet (\(reason)). Continue with `avatarpipe resume \(directory)`; "
                + "do not submit again."
        case .afterSubmit(let id, let directory, let reason, let next):
            switch next {
            case .resume:
                return "render \(id) was submitted (and may be charged), then \(reason). Continue with `avatarpipe resume \(directory)`; "
                    + "do not submit again."
            case .keepTheID:
                return "render \(id) was submitted (and may be charged), then \(reason). Nothing else holds this request id: keep it, "
                    + "and do not submit again before checking your balance (`avatarpipe credits`)."
            case .runAgain:
                return "render \(id) of the built-in sandbox failed after its submit: \(reason). The sandbox ends with this run and "
                    + "nothing was paid: run the same command again."
            }
        case .badRequest(let message):
            return "the service refused the request (400): \(message)"
        case .unauthorized(let message):
            return "the service refused the API key (401): \(message). Check SEGMIND_API_KEY or the key file."
        case .forbidden(let message):
            return "the service refused access (403): \(message)"
        case .notFound(let message):
            return "the service does not know this endpoint or request (404): \(message)"
        case .insufficientCredits(let balance, let price, let message):
            let have = balance.map { String(format: "%.2f", $0) } ?? "unknown"
            return "not enough credits (406): the balance is \(have), a render costs about \(Format.usd(price)). \(message)"
        case .rateLimited(let attempts, let message, _):
            return "the service is rate limiting (429) and still was after \(attempts) attempts: \(message). Try again later."
        case .serviceFailed(let reason):
            return "the render FAILED at the service: \(reason)"
        case .expired(let id):
            return "the result of render \(id) has expired (the service keeps results for one hour after submission); "
                + "it cannot be downloaded any more"
        case .serviceError(let status, let message):
            return "the service answered \(status): \(message)"
        case .network(let message):
            return "network error: \(message)"
        case .invalidAnswer(let message):
            return "the service's answer could not be understood: \(message)"
        case .download(let message):
            return "the video could not be downloaded: \(message)"
        case .notAVideo(let message):
            return "the downloaded file is not a decodable video: \(message)"
        case .localFailure(let message):
            return "this machine failed, not the video: \(message)"
        case .foreignURL(let url):
            return "the service pointed at \(url), which is on neither the API's nor the storage's origin; avatarpipe does not "
                + "send the key there"
        case .storeDamaged(let message):
            return message
        case .lost(let message):
            return message
        case .refused(let message):
            return message
        }
    }

    /// The service's `{"error": "..."}` message, or the body's start.
    static func message(in body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            for key in ["error", "message", "detail"] {
                if let text = object[key] as? String { return text }
            }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "no details given" : text
    }
}
