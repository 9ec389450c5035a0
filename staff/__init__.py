"""Staff: accounts, sessions, sign-in (`CurrentModerator`, `CurrentOperator`, the session
cookie), the auth API and the accounts made without a server (`wall user`).

Moderation and the console both sign staff in through here, so neither owns it.
"""
