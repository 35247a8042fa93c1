"""What every domain shares: coded errors, who is asking (the principal), who may see personal
data, checks of identifiers people type in, photos and media storage, generic batch reads."""
