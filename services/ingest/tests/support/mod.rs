pub mod fake_zendesk;
