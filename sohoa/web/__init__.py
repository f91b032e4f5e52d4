"""The clerks' web page and JSON API over the catalogue and the object store (`sohoa serve`)."""
