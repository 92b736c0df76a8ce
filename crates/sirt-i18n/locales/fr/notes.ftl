# notes messages (fr)
