/**
 * The wire facts of identity tokens that the maker (src/outputs/identity-token)
 * and the verifier (src/verifier) share, and nothing else: each side has its
 * own code, so that neither needs the other.
 * @packageDocumentation
 */

/** Token formats. @public */
export type IdentityTokenFormat = "vault" | "k8s" | "akeyless" | "url";

/** The formats, in a stable order. @public */
export const IDENTITY_TOKEN_FORMATS: readonly IdentityTokenFormat[] = ["vault", "k8s", "akeyless", "url"];

/** The body of every POST form of GetCallerIdentity. @internal */
export const GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15";
/** The STS API version. @internal */
export const STS_API_VERSION = "2011-06-15";
/** Vault's AWS IAM method binds logins to this header. @internal */
export const VAULT_AUDIENCE_HEADER = "X-Vault-AWS-IAM-Server-ID";
/** aws-iam-authenticator binds tokens to a cluster with this header. @internal */
export const K8S_AUDIENCE_HEADER = "x-k8s-aws-id";
/** The prefix of aws-iam-authenticator's tokens. @internal */
export const K8S_TOKEN_PREFIX = "k8s-aws-v1.";
/** The default audience header of the `url` and `akeyless` formats. @internal */
export const DEFAULT_AUDIENCE_HEADER = "X-Identity-Audience";
