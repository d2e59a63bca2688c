/// What a user can do about an S3 error, in the terms of their own configuration.
struct S3Advice {
    var configuration: S3Configuration
    var operation: S3Error.Operation

    /// `bucketRegion` is the region S3 named, in its error document or its
    /// `x-amz-bucket-region` header.
    func advice(code: String?, status: Int, bucketRegion: String?) -> String? {
        let location = configuration.location
        let key = "\(AWSCredentials.accessKeyVariable) (\(configuration.credentials.accessKeyHint))"
        switch code {
        case "NoSuchBucket":
            return "The bucket \"\(location.bucket)\" does not exist at \(endpointName): check the bucket in \(location), "
                + "or create it" + (configuration.endpoint.isAWS
                    ? " (aws s3 mb s3://\(location.bucket) --region \(configuration.region))" : "")
        case "NoSuchKey":
            return "The object is not there: it was removed, or the upload went elsewhere"
        case "AccessDenied", "AllAccessDisabled", "AccountProblem", "InvalidObjectState":
            return "The key in \(key) may not \(action) in \(location): it needs s3:PutObject, s3:GetObject and "
                + "s3:DeleteObject on arn:aws:s3:::\(location.bucket)/\(location.prefix.isEmpty ? "" : location.prefix + "/")*"
        case "InvalidAccessKeyId":
            return "\(key) is not a key that \(endpointName) knows: check it, and that it belongs to this account and endpoint"
        case "SignatureDoesNotMatch" where operation == .check:
            return "The upload signed with the same key worked: something on the way changes the presigned URL"
        case "SignatureDoesNotMatch":
            return "\(AWSCredentials.secretKeyVariable) does not belong to \(key): check that both come from the same "
                + "key, copied whole"
        case "ExpiredToken", "TokenRefreshRequired":
            return "The temporary credentials have expired: get new ones and export \(AWSCredentials.accessKeyVariable), "
                + "\(AWSCredentials.secretKeyVariable) and \(AWSCredentials.sessionTokenVariable) again"
        case "InvalidToken":
            return configuration.credentials.sessionToken == nil
                ? "These credentials need their session token: set \(AWSCredentials.sessionTokenVariable)"
                : "\(AWSCredentials.sessionTokenVariable) is malformed or belongs to another key: export the three "
                    + "variables of one session together"
        case "RequestTimeTooSkewed", "RequestExpired":
            return "This computer's clock is more than 15 minutes off S3's: set it right (NTP) and try again"
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException",
             "IncorrectEndpoint", "AuthorizationQueryParametersError":
            return regionAdvice(bucketRegion) ?? "S3 refused the signature's region \(configuration.region): "
                + "set AWS_REGION to the bucket's region"
        case "BucketAlreadyExists":
            return "Bucket names are global and another account has this one: choose another name"
        case "InvalidBucketName":
            return "S3 does not accept \"\(location.bucket)\" as a bucket name"
        case "EntityTooLarge":
            return "The file is larger than S3 takes in one upload (5 GB)"
        case "XAmzContentSHA256Mismatch", "BadDigest", "IncompleteBody":
            return "The file changed or was cut short while it was uploaded: try again once nothing writes to it"
        case "SlowDown", "ServiceUnavailable", "InternalError", "OperationAborted":
            return "S3 is busy or failing: try again in a few minutes"
        case nil:
            break
        default:
            return nil
        }
        switch status {
        case 301, 307:
            return regionAdvice(bucketRegion) ?? "S3 redirects to another endpoint: set AWS_REGION to the bucket's region"
        case 400 where bucketRegion != nil:
            return regionAdvice(bucketRegion)
        case 403:
            return "Access denied: check the credentials (\(key)) and that they may \(action) in \(location)"
        case 404:
            return "Nothing answers for the bucket \"\(location.bucket)\" at \(endpointName): check the bucket and the endpoint"
        case 500...599:
            return "S3 is busy or failing: try again in a few minutes"
        default:
            return nil
        }
    }

    private func regionAdvice(_ bucketRegion: String?) -> String? {
        guard let bucketRegion, bucketRegion != configuration.region else { return nil }
        return "The bucket is in \(bucketRegion), not \(configuration.region): set AWS_REGION=\(bucketRegion)"
    }

    private var action: String {
        switch operation {
        case .upload: "upload"
        case .check: "read"
        case .remove: "delete"
        case .createBucket: "create buckets"
        }
    }

    /// The endpoint as a user configured it.
    private var endpointName: String {
        configuration.endpoint.isAWS ? "AWS S3 (\(configuration.region))" : configuration.endpoint.description
    }
}
