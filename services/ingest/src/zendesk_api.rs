//! Zendesk through its API: the cursor-based incremental export as a [`TicketSource`], and one
//! ticket fetched on its own (what a webhook triggers).
//!
//! The export does not carry comments, so each ticket of a page has its comments fetched
//! (a few at a time); requesters and organizations come side-loaded with the page and are kept
//! in a [`Directory`] shared by every sync of the process, so a user is looked up once.

use crate::source::{SourceError, TicketSource};
use crate::zendesk_file::{ZendeskComment, ZendeskOrganization, ZendeskTicket, ZendeskUser};
use domain::{IncomingTicket, SourceKind};
use futures::future::BoxFuture;
use futures::{StreamExt as _, TryStreamExt as _};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zendesk::{Client, Comment, ExportFrom, Organization, Ticket, User, ZendeskError};

/// Comment requests in flight at once during a sync (the client's rate limiter still paces
/// them).
const COMMENT_CONCURRENCY: usize = 8;

/// Requesters and organizations seen so far: email and organization name by id.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    inner: Arc<Mutex<DirectoryInner>>,
}

#[derive(Debug, Default)]
struct DirectoryInner {
    users: HashMap<i64, User>,
    organizations: HashMap<i64, Organization>,
}

impl Directory {
    /// Side-loaded records replace cached ones (they are the freshest).
    fn remember(&self, users: Vec<User>, organizations: Vec<Organization>) {
        let mut d = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for u in users {
            d.users.insert(u.id, u);
        }
        for o in organizations {
            d.organizations.insert(o.id, o);
        }
    }

    /// Looks up, through the API, the requesters and organizations of `tickets` not cached yet.
    async fn resolve(&self, client: &Client, tickets: &[Ticket]) -> Result<(), ZendeskError> {
        let missing_users: Vec<i64> = {
            let d = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let mut ids: Vec<i64> = tickets
                .iter()
                .filter_map(|t| t.requester_id)
                .filter(|id| !d.users.contains_key(id))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        if !missing_users.is_empty() {
            let users = client.users(&missing_users).await?;
            self.remember(users, vec![]);
        }
        let missing_orgs: Vec<i64> = {
            let d = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let mut ids: Vec<i64> = tickets
                .iter()
                .filter_map(|t| {
                    t.organization_id.or_else(|| {
                        t.requester_id
                            .and_then(|r| d.users.get(&r))
                            .and_then(|u| u.organization_id)
                    })
                })
                .filter(|id| !d.organizations.contains_key(id))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        if !missing_orgs.is_empty() {
            let orgs = client.organizations(&missing_orgs).await?;
            self.remember(vec![], orgs);
        }
        Ok(())
    }

    /// The ticket in the shape the file import normalizes, so both paths split comments and
    /// resolve requesters the same way.
    fn normalize(&self, ticket: Ticket, comments: Vec<Comment>) -> IncomingTicket {
        let d = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let requester = ticket.requester_id.and_then(|id| d.users.get(&id));
        let org_id = ticket
            .organization_id
            .or_else(|| requester.and_then(|u| u.organization_id));
        let organization = org_id.map(|id| ZendeskOrganization {
            id: Some(id),
            name: d.organizations.get(&id).and_then(|o| o.name.clone()),
        });
        ZendeskTicket {
            id: ticket.id,
            subject: ticket.subject,
            description: ticket.description,
            status: ticket.status,
            priority: ticket.priority,
            tags: ticket.tags,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            requester_id: ticket.requester_id,
            requester: requester.map(|u| ZendeskUser {
                email: u.email.clone(),
            }),
            organization,
            organization_id: org_id,
            comments: comments
                .into_iter()
                .map(|c| ZendeskComment {
                    body: c.text().to_string(),
                    public: c.public,
                    created_at: c.created_at,
                })
                .collect(),
        }
        .into_incoming()
    }
}

/// The incremental export from a start time or a stored cursor, one page per batch.
pub struct ZendeskExport {
    client: Client,
    directory: Directory,
    next: ExportFrom,
    done: bool,
}

impl ZendeskExport {
    pub fn new(client: Client, directory: Directory, from: ExportFrom) -> Self {
        ZendeskExport {
            client,
            directory,
            next: from,
            done: false,
        }
    }

    async fn page(&mut self) -> anyhow::Result<Option<Vec<Result<IncomingTicket, SourceError>>>> {
        if self.done {
            return Ok(None);
        }
        let page = self.client.export_tickets(&self.next).await?;
        self.directory.remember(page.users, page.organizations);
        self.directory.resolve(&self.client, &page.tickets).await?;
        // A comment fetch that fails fails the page (after the client's retries): the cursor
        // stays before it, so the page is read again next time rather than stored half-done.
        let client = &self.client;
        let with_comments: Vec<(Ticket, Vec<Comment>)> = futures::stream::iter(page.tickets)
            .map(|t| async move {
                let comments = client.comments(t.id).await?;
                Ok::<_, ZendeskError>((t, comments))
            })
            .buffered(COMMENT_CONCURRENCY)
            .try_collect()
            .await?;
        let records = with_comments
            .into_iter()
            .map(|(t, c)| Ok(self.directory.normalize(t, c)))
            .collect();
        match page.after_cursor {
            Some(cursor) => self.next = ExportFrom::Cursor(cursor),
            // No cursor to continue from: nothing more can be read in this run.
            None => self.done = true,
        }
        if page.end_of_stream {
            self.done = true;
        }
        Ok(Some(records))
    }
}

impl TicketSource for ZendeskExport {
    fn kind(&self) -> SourceKind {
        SourceKind::Zendesk
    }

    fn next_batch(
        &mut self,
    ) -> BoxFuture<'_, anyhow::Result<Option<Vec<Result<IncomingTicket, SourceError>>>>> {
        Box::pin(self.page())
    }

    fn cursor(&self) -> Option<String> {
        match &self.next {
            ExportFrom::Cursor(c) => Some(c.clone()),
            ExportFrom::StartTime(_) => None,
        }
    }
}

/// One ticket fetched now, with its comments; `None` if Zendesk no longer has it.
pub async fn fetch_ticket(
    client: &Client,
    directory: &Directory,
    id: i64,
) -> Result<Option<IncomingTicket>, ZendeskError> {
    let Some(found) = client.ticket(id).await? else {
        return Ok(None);
    };
    directory.remember(found.users, found.organizations);
    let tickets = [found.ticket];
    directory.resolve(client, &tickets).await?;
    let [ticket] = tickets;
    let comments = client.comments(ticket.id).await?;
    Ok(Some(directory.normalize(ticket, comments)))
}
