from foresight.reports.cli import main

raise SystemExit(main())
