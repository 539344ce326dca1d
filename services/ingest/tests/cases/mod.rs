mod webhooks;
mod zendesk_sync;
