"""Who is who: logins and sessions, passwords, invitations, the actor of every
service call, organizations and their staff. Imports only the shared modules."""
