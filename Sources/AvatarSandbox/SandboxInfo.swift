/// The local fake of Segmind's HeyGen Avatar IV API and of Segmind's storage
/// (`Sandbox.start`, `avatarpipe sandbox`). One base URL serves both.
///
/// | method | path | answers |
/// |---|---|---|
/// | POST | `/v2/heygen-avatar-iv` | 200 `{request_id, status: "QUEUED", poll_url, status_url, response_url}` (absolute URLs) |
/// | GET | `/v2/requests/{id}/status` | 200 `{status, metrics}`; FAILED: 422 `{status, metrics, error}`; 404 unknown or expired |
/// | GET | `/v2/requests/{id}` | the same, plus `output` (a URL string, or `{"video_url"}`) once COMPLETED |
/// | POST | `/v1/heygen-avatar-iv` | 200 `video/mp4` (or JSON with `output`), headers `x-request-id`, `x-cost`; FAILED: 422 |
/// | GET | `/v1/get-user-credits` | 200 `{credits}` |
/// | POST | `/upload-asset` | 200 `{file_urls}` for `{data_urls: ["data:<mime>;base64,…"]}`; WAV refused (400) unless allowed |
/// | GET, HEAD | `/assets/{name}`, `/outputs/{id}.mp4` | the file, with Range (206/416), ETag and If-Range; no key needed |
/// | GET | `/sandbox/ledger` | every accepted submission, refusal, charge and upload, and the balance |
/// | POST | `/sandbox/control` | arms faults and changes settings (`SandboxControl`), answers `SandboxSettings` |
/// | GET | `/sandbox/health` | 200 `{status: "ok"}`, no key |
///
/// Every other request needs `x-api-key` (401 `{"error"}` without it) and every answer
/// carries `x-remaining-credits`. A submit is checked in this order: key (401), rate limit
/// (429 with `Retry-After` and `x-rate-limit-reset-at-utc`), an armed `fail_submits` fault,
/// `Content-Type: application/json` (406), the body (400 naming the parameter), fetching
/// `image_url` and `audio_url` (400 `download_failed: …` when a URL cannot be fetched or
/// answers non-2xx), the balance (406 when it, less the price of jobs still running, is
/// below the price). Then the job exists. What the fetched bytes are — JPG/PNG, extension
/// matching the content, 512 px to under 2048 px, WAV/MP3 up to 600 s, 50 MB — is judged
/// while the job runs, so bad content ends FAILED (422), as HeyGen's own checks do.
/// A job is charged when it COMPLETES, never when it FAILS; results expire
/// `resultLifetime` (one hour) after submission.
public enum SandboxInfo {
    /// A key for a sandbox that was given none: made up, so that it is safe to print and
    /// worthless anywhere else (a real key given with `--key` is never printed).
    public static func makeKey() -> String {
        "sbx-" + (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max)) }.joined()
    }
}
