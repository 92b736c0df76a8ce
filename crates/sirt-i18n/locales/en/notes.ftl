# notes messages (en)
