/**
 * The connector protocol as a library (`syncbridge/protocol`): what a connector author imports to
 * define a source or destination (or a manifest adapter over the canonical model), make it executable,
 * and speak the wire format. Nothing else of ours.
 */
export { defineDestination, defineSource, type Destination, type DestinationDefinition, type Source, type SourceDefinition } from './connector.ts';
export { ConnectorFailed, ConnectorTimeout, ProtocolError, RemoteError } from './connector-errors.ts';
export { ERROR_CLASSES, traceToError, typedErrorToTrace } from './error-trace.ts';
export * from './errors.ts';
export { expectMessage } from './expect-message.ts';
export * from './messages.ts';
export { decodeNdjson, DEFAULT_MAX_LINE_BYTES, encodeNdjson } from './ndjson.ts';
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, serveConnector } from './serve.ts';
export type { SourceWebhooks, WebhookDelivery, WebhookRequest } from './webhooks.ts';
export {
  defineEntity,
  defineManifest,
  CANONICAL_MODELS,
  type CanonicalModel,
  type CanonicalRecord,
  type EndpointSpec,
  type EntityDefinition,
  type EntityEndpoints,
  type EntityPage,
  type ListEndpointSpec,
  type Manifest,
  type ManifestAdapter,
  type Pagination,
  type RequestContext,
} from './manifest.ts';
export { CANONICAL_SPECS, type CanonicalFieldType, type CanonicalModelSpec } from './canonical.ts';
export type { IssueFields, IssuePage, IssueProvider, IssueProviderConfig, IssueWebhookEvent, IssueWebhookRequest, RemoteIssue } from './issues.ts';
