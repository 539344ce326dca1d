// Names for the generated schema's types, so components import `Cluster`, not a path into the
// generated file.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Cluster = Schemas["Cluster"];
export type ClusterDetail = Schemas["ClusterDetail"];
export type ClusterTicket = Schemas["ClusterTicket"];
export type Issue = Schemas["Issue"];
export type Summary = Schemas["Summary"];
export type WeekCount = Schemas["WeekCount"];
export type CountBy = Schemas["CountBy"];
export type QueueView = Schemas["QueueView"];
export type JobView = Schemas["JobView"];
export type SyncStatus = Schemas["SyncStatus"];
export type Taxonomy = Schemas["TaxonomyView"];
export type ErrorBody = Schemas["ErrorBody"];
export type ClusterPatch = Schemas["ClusterPatch"];
export type IssuePatch = Schemas["IssuePatch"];

// By path: the spec's operation ids repeat (`list`, `detail`), its paths do not.
export type ClusterListQuery = NonNullable<paths["/api/clusters"]["get"]["parameters"]["query"]>;
export type IssueListQuery = NonNullable<paths["/api/issues"]["get"]["parameters"]["query"]>;
export type Me = Schemas["Me"];
export type SessionBody = Schemas["SessionBody"];
export type Providers = Schemas["Providers"];
