# web messages (en)
