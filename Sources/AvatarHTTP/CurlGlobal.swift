import CCurl

/// libcurl's process-wide initialisation, done once before the first handle is made.
public enum CurlGlobal {
    public static func initialize() {
        _ = initialized
    }

    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    /// libcurl's version string, e.g. "libcurl/7.88.1 OpenSSL/3.0.x …".
    public static var version: String {
        initialize()
        return String(cString: curl_version())
    }
}
