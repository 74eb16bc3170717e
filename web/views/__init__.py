"""Page views, a module per area: thin, they read through selectors, write through services,
and show refusals with hitrec.pages."""
