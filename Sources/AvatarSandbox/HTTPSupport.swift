import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

/// The request context of the sandbox's routes: Hummingbird's, plus the connection, so a
/// handler can close it without answering (the faults that drop or cut a connection).
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("x-api-key")!
    static let remainingCredits = HTTPField.Name("x-remaining-credits")!
    static let requestID = HTTPField.Name("x-request-id")!
    static let cost = HTTPField.Name("x-cost")!
    static let generationTime = HTTPField.Name("x-generation-time")!
    static let rateLimitReset = HTTPField.Name("x-rate-limit-reset-at-utc")!
}

/// The connection was closed on purpose instead of answering.
struct ConnectionCut: Error {
    var what: String
}

enum Reply {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func json(_ status: Int, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = (try? encoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: Int, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["error": message], headers: headers)
    }

    /// A refusal that may carry `Retry-After` (429, 503).
    static func error(_ status: Int, _ message: String, retryAfter: Int?) -> Response {
        var headers = HTTPFields()
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return error(status, message, headers: headers)
    }

    /// Closes the connection before a byte of an answer is written, then throws, so the
    /// client sees the connection end with no response.
    static func dropConnection(_ context: SandboxRequestContext, what: String) async throws -> Never {
        try? await context.channel.close().get()
        throw ConnectionCut(what: what)
    }
}

/// One `Range: bytes=…` request against a resource of `size` bytes (RFC 9110, 14.2). Only a
/// single range is honoured; a list of ranges, or a header that does not parse, gets the
/// whole resource, which the RFC allows.
enum ByteRangeRequest: Equatable {
    case whole
    case partial(ClosedRange<Int>)
    case unsatisfiable

    init(_ header: String?, size: Int) {
        guard let header, header.lowercased().hasPrefix("bytes=") else { self = .whole; return }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        let ends = spec.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !spec.contains(","), ends.count == 2 else { self = .whole; return }
        switch (Int(ends[0]), Int(ends[1])) {
        case (nil, let suffix?) where ends[0].isEmpty:
            guard suffix > 0, size > 0 else { self = .unsatisfiable; return }
            self = .partial(max(0, size - suffix)...(size - 1))
        case (let first?, nil) where ends[1].isEmpty:
            self = first < size ? .partial(first...(size - 1)) : .unsatisfiable
        case (let first?, let last?) where first <= last:
            self = first < size ? .partial(first...min(last, size - 1)) : .unsatisfiable
        default:
            self = .whole
        }
    }
}

/// Passes a body through until `limit` bytes have gone out, then closes the connection:
/// the client gets fewer bytes than the Content-Length it was promised.
struct TruncatingBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    var remaining: Int
    let channel: any Channel

    mutating func write(_ buffer: ByteBuffer) async throws {
        if buffer.readableBytes <= remaining {
            remaining -= buffer.readableBytes
            try await parent.write(buffer)
            return
        }
        if remaining > 0, let head = buffer.getSlice(at: buffer.readerIndex, length: remaining) {
            try await parent.write(head)
            remaining = 0
        }
        try? await channel.close().get()
        throw ConnectionCut(what: "download truncated")
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await parent.finish(trailingHeaders)
    }
}

/// Answers `Expect: 100-continue` with `100 Continue`, as the real service's front ends do,
/// so that libcurl sends a large POST body at once instead of waiting a second for a go-ahead.
final class ContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), head.headerFields[.expect]?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}

/// Passes `remaining` bytes of a body on, then waits at the `downloads` gate before the rest:
/// a download held mid-way, for tests that stop a client there.
struct HoldingBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    var remaining: Int
    let gates: SandboxGates
    var waited = false

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard !waited else {
            try await parent.write(buffer)
            return
        }
        if buffer.readableBytes <= remaining {
            remaining -= buffer.readableBytes
            try await parent.write(buffer)
            return
        }
        if remaining > 0, let head = buffer.getSlice(at: buffer.readerIndex, length: remaining) {
            try await parent.write(head)
        }
        let rest = buffer.getSlice(at: buffer.readerIndex + remaining, length: buffer.readableBytes - remaining)
        remaining = 0
        waited = true
        await gates.pass(.downloads)
        if let rest { try await parent.write(rest) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await parent.finish(trailingHeaders)
    }
}
