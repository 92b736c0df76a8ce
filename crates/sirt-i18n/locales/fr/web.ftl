# web messages (fr)
