"""Who is calling and what they may do: accounts, API tokens, browser sessions, the
sign-in pages, and the access policy that every route is checked against."""
