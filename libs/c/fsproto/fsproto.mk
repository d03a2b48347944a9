# The file protocol's parser (libs/c/fsproto): filled in with the fs server.
