resource "aws_iam_user" "admin" {
  name = "beheerder"
}

resource "aws_iam_user_policy" "admin" {
  name   = "everything"
  user   = aws_iam_user.admin.name
  policy = local.admin
}

resource "aws_iam_user" "ci" {
  name = "ci-deploy"
}

resource "aws_iam_policy" "deploy" {
  name   = "deploy-all"
  policy = local.admin
}

resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = aws_iam_policy.deploy.arn
}

resource "aws_iam_role" "app" {
  name = "app-instance"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role" "open" {
  name = "open-trust"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/security/cloudtrail"
  retention_in_days = 30
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app/portaal"
  retention_in_days = 400
}

resource "aws_sqs_queue" "events" {
  name                    = "meldingen"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "plain" {
  name                    = "onversleuteld"
  sqs_managed_sse_enabled = false
}

resource "aws_sqs_queue_policy" "plain" {
  queue_url = aws_sqs_queue.plain.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }]
  })
}

resource "aws_sns_topic" "alarms" {
  name = "alarmen"
}

resource "aws_ecr_repository" "portal" {
  name                 = "portaal"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_repository" "pilot" {
  name = "pilot"
}

resource "aws_db_instance" "cases" {
  identifier              = "zaken"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  allocated_storage       = 20
  username                = "dbadmin"
  password                = "not-a-secret-1"
  storage_encrypted       = true
  multi_az                = true
  publicly_accessible     = false
  deletion_protection     = true
  backup_retention_period = 14
  tags                    = { environment = "production" }
}

resource "aws_db_instance" "pilot" {
  identifier              = "pilot-db"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  allocated_storage       = 20
  username                = "dbadmin"
  password                = "not-a-secret-1"
  publicly_accessible     = true
  backup_retention_period = 1
  tags                    = { environment = "test" }
}

resource "aws_secretsmanager_secret" "db" {
  name = "db-wachtwoord"
}

resource "aws_guardduty_detector" "this" {
  enable = true
}
